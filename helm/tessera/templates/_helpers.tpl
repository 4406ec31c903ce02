{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "tessera.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name. Component objects append a suffix ("-snapshotter-metrics" is the longest,
20 characters), so the base is cut at 40 to keep every name a valid 63-character DNS label.
*/}}
{{- define "tessera.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "tessera.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "tessera.labels" -}}
helm.sh/chart: {{ include "tessera.chart" . }}
{{ include "tessera.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tessera
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels shared by every component of one release.
*/}}
{{- define "tessera.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tessera.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one component's objects. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.componentLabels" -}}
{{ include "tessera.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Selector labels of one component. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.componentSelectorLabels" -}}
{{ include "tessera.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Name of one component's objects. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.componentName" -}}
{{- printf "%s-%s" (include "tessera.fullname" .ctx) .component }}
{{- end }}

{{/*
ServiceAccount name of one component. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.serviceAccountName" -}}
{{- $sa := (index .ctx.Values .component).serviceAccount }}
{{- if $sa.create }}
{{- default (include "tessera.componentName" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/*
The Tessera image reference.
*/}}
{{- define "tessera.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Name of the Secret the chart manages (session secret, admin tokens, Redis URL, S3 credentials).
*/}}
{{- define "tessera.secretName" -}}
{{- include "tessera.fullname" . }}
{{- end }}

{{/*
Secret holding SESSION_SECRET and ADMIN_TOKENS.
*/}}
{{- define "tessera.authSecretName" -}}
{{- default (include "tessera.secretName" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
A value the chart generates once and keeps: the given value when set, else the one already stored
in the release's Secret (found with lookup), else a new random one. Regenerating on every upgrade
would log every guest out or lock out the admins. `helm template` has no cluster, so it always
generates. Call with (dict "ctx" $ "key" "SESSION_SECRET" "value" "…" "length" 48).
*/}}
{{- define "tessera.keptSecretValue" -}}
{{- if .value }}
{{- .value }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace (include "tessera.secretName" .ctx) }}
{{- $stored := "" }}
{{- if and $existing $existing.data }}
{{- $stored = index $existing.data .key | default "" | b64dec }}
{{- end }}
{{- default (randAlphaNum (int .length)) $stored }}
{{- end }}
{{- end }}

{{/*
Which Redis the services use: "sentinel", "cluster", "embedded" or "url". An external Redis, once set, replaces
the embedded one (on by default), so switching is one value; two external ones fail, as does none
with the embedded Redis off.
*/}}
{{- define "tessera.redisMode" -}}
{{- $r := .Values.redis }}
{{- $modes := list }}
{{- if or $r.url $r.existingSecret }}{{- $modes = append $modes "url" }}{{- end }}
{{- if $r.sentinel.hosts }}{{- $modes = append $modes "sentinel" }}{{- end }}
{{- if $r.cluster.nodes }}{{- $modes = append $modes "cluster" }}{{- end }}
{{- if and (eq (len $modes) 0) $r.embedded.enabled }}{{- $modes = append $modes "embedded" }}{{- end }}
{{- if eq (len $modes) 0 }}
{{- fail "Redis is not configured: set redis.url (or redis.existingSecret), redis.sentinel.hosts, redis.cluster.nodes, or redis.embedded.enabled=true" }}
{{- else if gt (len $modes) 1 }}
{{- fail (printf "set only one Redis: redis.url/existingSecret, redis.sentinel.hosts or redis.cluster.nodes (got %s)" (join ", " $modes)) }}
{{- end }}
{{- first $modes }}
{{- end }}

{{/*
"true" when the snapshotter writes to the bundled SeaweedFS: snapshots on, no bucket of your own.
Setting snapshotter.s3.bucket switches to real S3 in one value.
*/}}
{{- define "tessera.objectStoreEnabled" -}}
{{- if and .Values.snapshotter.enabled .Values.objectStore.enabled (not .Values.snapshotter.s3.bucket) }}true{{ end }}
{{- end }}

{{/*
Name of the bundled object store's objects.
*/}}
{{- define "tessera.objectStoreName" -}}
{{- include "tessera.componentName" (dict "ctx" . "component" "objectstore") }}
{{- end }}

{{/*
S3 endpoint of the bundled object store (SeaweedFS's S3 API port).
*/}}
{{- define "tessera.objectStoreEndpoint" -}}
{{- printf "http://%s.%s.svc:8333" (include "tessera.objectStoreName" .) .Release.Namespace }}
{{- end }}

{{/*
PromQL label matchers of one component's series as the Prometheus Operator scrapes them: the
namespace and the component's metrics Service, so two releases in one namespace never mix.
Call with (dict "ctx" $ "component" "gateway"); component "tessera" matches the three services.
*/}}
{{- define "tessera.alertSelector" -}}
{{- $base := include "tessera.fullname" .ctx }}
{{- if eq .component "tessera" }}
{{- printf "namespace=%q, service=~%q" .ctx.Release.Namespace (printf "%s-(gateway|writer|snapshotter)-metrics" $base) }}
{{- else }}
{{- printf "namespace=%q, service=%q" .ctx.Release.Namespace (printf "%s-%s-metrics" $base .component) }}
{{- end }}
{{- end }}

{{/*
Deployment-level rollout settings of a component. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.rollout" -}}
{{- $c := index .ctx.Values .component -}}
{{- with $c.minReadySeconds }}
minReadySeconds: {{ . }}
{{- end }}
strategy:
  {{- toYaml $c.updateStrategy | nindent 2 }}
{{- end }}

{{/*
Name of the embedded Redis objects.
*/}}
{{- define "tessera.redisName" -}}
{{- include "tessera.componentName" (dict "ctx" . "component" "redis") }}
{{- end }}

{{/*
Environment variables every service needs to reach Redis. REDIS_URL comes from a Secret because
it may carry a password; Sentinel settings are plain configuration (see the ConfigMaps).
*/}}
{{- define "tessera.redisEnv" -}}
{{- $mode := include "tessera.redisMode" . }}
{{- if has $mode (list "url" "embedded") -}}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      {{- if and (eq $mode "url") .Values.redis.existingSecret }}
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretKey }}
      {{- else }}
      name: {{ include "tessera.secretName" . }}
      key: REDIS_URL
      {{- end }}
{{- end }}
{{- include "tessera.redisPasswordEnv" . }}
{{- end }}

{{/*
Configuration every service shares (ConfigMap data).
*/}}
{{- define "tessera.commonConfig" -}}
CANVAS_ID: {{ .Values.canvas.id | quote }}
LOG_LEVEL: {{ .Values.logLevel | quote }}
{{- include "tessera.redisConfig" . }}
{{- end }}

{{/*
Defaults of a newly created canvas (gateway and snapshotter ConfigMap data).
*/}}
{{- define "tessera.canvasConfig" -}}
CANVAS_WIDTH: {{ .Values.canvas.width | int | quote }}
CANVAS_HEIGHT: {{ .Values.canvas.height | int | quote }}
CANVAS_COOLDOWN_MS: {{ .Values.canvas.cooldownMs | int | quote }}
{{- with .Values.canvas.palette }}
CANVAS_PALETTE: {{ join "," . | quote }}
{{- end }}
{{- end }}

{{/*
CANVAS_BOOTSTRAP of the gateway: with a snapshotter, the gateway waits for it to restore or create
the canvas, so a fresh Redis never gets a default canvas that hides the newest snapshot.
*/}}
{{- define "tessera.canvasBootstrap" -}}
{{- if ne .Values.canvas.bootstrap "auto" }}
{{- .Values.canvas.bootstrap }}
{{- else if .Values.snapshotter.enabled }}
{{- "wait" }}
{{- else }}
{{- "create" }}
{{- end }}
{{- end }}

{{/*
TRUST_PROXY of the gateway.
*/}}
{{- define "tessera.trustProxy" -}}
{{- if kindIs "invalid" .Values.gateway.config.trustProxy }}
{{- if or .Values.ingress.enabled .Values.httpRoute.enabled }}1{{ else }}0{{ end }}
{{- else }}
{{- .Values.gateway.config.trustProxy | int }}
{{- end }}
{{- end }}

{{/*
Grace period of gateway pods: the preStop sleep, then SIGTERM and the drain, then a margin for
Redis to close. A value too small to drain would cut sockets off mid-drain, so it fails the render.
*/}}
{{- define "tessera.gatewayGracePeriod" -}}
{{- $g := .Values.gateway }}
{{- $needed := add (int $g.preStopSleepSeconds) (div (add (int $g.config.shutdownDrainMs) 999) 1000) }}
{{- if kindIs "invalid" $g.terminationGracePeriodSeconds }}
{{- add $needed 15 }}
{{- else if le (int $g.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "gateway.terminationGracePeriodSeconds (%d) must exceed gateway.preStopSleepSeconds + gateway.config.shutdownDrainMs (%d s)" (int $g.terminationGracePeriodSeconds) (int $needed)) }}
{{- else }}
{{- $g.terminationGracePeriodSeconds | int }}
{{- end }}
{{- end }}

{{/*
Topology spread constraints with labelSelector filled in. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.topologySpread" -}}
{{- $selector := include "tessera.componentSelectorLabels" . | fromYaml }}
{{- $out := list }}
{{- range (index .ctx.Values .component).topologySpreadConstraints }}
{{- $c := deepCopy . }}
{{- if not (hasKey $c "labelSelector") }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" $selector) }}
{{- end }}
{{- $out = append $out $c }}
{{- end }}
{{- with $out }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Pod-level settings shared by the three Tessera Deployments. Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.podCommon" -}}
{{- $c := index .ctx.Values .component -}}
serviceAccountName: {{ include "tessera.serviceAccountName" . }}
automountServiceAccountToken: {{ $c.automountServiceAccountToken }}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .ctx.Values.podSecurityContext | nindent 2 }}
{{- with $c.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- include "tessera.topologySpread" . }}
{{- end }}

{{/*
Pod annotations: checksums of the component's configuration so a changed ConfigMap or Secret rolls
its pods, plus scrape annotations when asked. The secret checksum covers the values, not the
rendered Secret, whose generated parts differ between renders until the install stores them.
Call with (dict "ctx" $ "component" "gateway" "port" 8080).
*/}}
{{- define "tessera.podAnnotations" -}}
{{- $c := index .ctx.Values .component -}}
checksum/config: {{ include (printf "tessera.%sConfig" .component) .ctx | sha256sum }}
checksum/secret: {{ toJson (list .ctx.Values.secrets .ctx.Values.redis .ctx.Values.snapshotter.s3) | sha256sum }}
{{- if .ctx.Values.metrics.scrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with $c.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Volumes every Tessera pod mounts: the root filesystem is read-only, so /tmp is an emptyDir.
*/}}
{{- define "tessera.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/*
Volume mounts of a Tessera container: /tmp plus the component's extraVolumeMounts.
Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- with (index .ctx.Values .component).extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Volumes of a Tessera pod: the /tmp emptyDir plus the component's extraVolumes.
Call with (dict "ctx" $ "component" "gateway").
*/}}
{{- define "tessera.volumes" -}}
{{ include "tessera.tmpVolume" .ctx }}
{{- with (index .ctx.Values .component).extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}
