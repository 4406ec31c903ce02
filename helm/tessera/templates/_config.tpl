{{/*
ConfigMap data of each service: every non-secret variable it reads (docs/configuration.md), as
strings. Secrets (SESSION_SECRET, ADMIN_TOKENS, REDIS_URL, AWS_*) are added to the containers'
env from Secrets instead.
*/}}

{{- define "tessera.gatewayConfig" -}}
{{- $g := .Values.gateway -}}
{{ include "tessera.commonConfig" . }}
PORT: {{ $g.port | int | quote }}
METRICS_PORT: {{ $g.metricsPort | int | quote }}
HOST: "0.0.0.0"
CANVAS_BOOTSTRAP: {{ include "tessera.canvasBootstrap" . | quote }}
{{ include "tessera.canvasConfig" . }}
STREAM_MAX_LEN: {{ .Values.canvas.streamMaxLen | int | quote }}
TRUST_PROXY: {{ include "tessera.trustProxy" . | quote }}
MAX_SOCKETS_PER_IP: {{ $g.config.maxSocketsPerIp | int | quote }}
PLACE_RATE_PER_SEC: {{ $g.config.placeRatePerSec | int | quote }}
PLACE_BURST: {{ $g.config.placeBurst | int | quote }}
PLACE_RATE_PER_ADDRESS_PER_SEC: {{ $g.config.placeRatePerAddressPerSec | int | quote }}
PLACE_BURST_PER_ADDRESS: {{ $g.config.placeBurstPerAddress | int | quote }}
IPV6_PREFIX_LENGTH: {{ $g.config.ipv6PrefixLength | int | quote }}
GUEST_SESSIONS_PER_ADDRESS: {{ $g.config.guestSessionsPerAddress | int | quote }}
GUEST_SESSION_WINDOW_MS: {{ $g.config.guestSessionWindowMs | int | quote }}
CHALLENGE_MAX_NUMBER: {{ $g.config.challengeMaxNumber | int | quote }}
CHALLENGE_EXPIRES_MS: {{ $g.config.challengeExpiresMs | int | quote }}
CANVAS_CACHE_MS: {{ $g.config.canvasCacheMs | int | quote }}
PIXEL_LOOKUP_PER_MIN: {{ $g.config.pixelLookupPerMin | int | quote }}
SHUTDOWN_DRAIN_MS: {{ $g.config.shutdownDrainMs | int | quote }}
PRESENCE_INTERVAL_MS: {{ $g.config.presenceIntervalMs | int | quote }}
{{- with $g.config.corsOrigins }}
CORS_ORIGINS: {{ join "," . | quote }}
{{- end }}
{{- if not $g.config.serveWebClient }}
WEB_ROOT: ""
{{- end }}
# The admin API's snapshot endpoints queue jobs for the snapshotter; without one they answer 503.
SNAPSHOTS_ENABLED: {{ .Values.snapshotter.enabled | toString | quote }}
{{- with $g.oidc.jwksUrl }}
{{- /* Shared key sets (Firebase, Google) sign every project's tokens: the gateway refuses to start without both. */}}
{{- if not (and $g.oidc.issuer $g.oidc.audience) }}
{{- fail "gateway.oidc.issuer and gateway.oidc.audience are required when gateway.oidc.jwksUrl is set" }}
{{- end }}
AUTH_JWKS_URL: {{ . | quote }}
{{- end }}
{{- with $g.oidc.issuer }}
AUTH_JWT_ISSUER: {{ . | quote }}
{{- end }}
{{- with $g.oidc.audience }}
AUTH_JWT_AUDIENCE: {{ . | quote }}
{{- end }}
{{- if $g.oidc.jwksUrl }}
AUTH_JWT_CLOCK_SKEW_MS: {{ $g.oidc.clockSkewMs | int | quote }}
{{- end }}
{{- if and $g.oidc.clientId (not $g.oidc.jwksUrl) }}
{{- fail "gateway.oidc.clientId needs gateway.oidc.jwksUrl, issuer and audience (the gateway verifies the tokens the client gets)" }}
{{- end }}
{{- with $g.oidc.clientId }}
AUTH_OIDC_CLIENT_ID: {{ . | quote }}
AUTH_OIDC_SCOPE: {{ $g.oidc.scope | quote }}
{{- end }}
{{- if eq $g.oidc.guests "refused" }}
{{- if not $g.oidc.jwksUrl }}
{{- fail "gateway.oidc.guests=refused needs gateway.oidc.jwksUrl (nobody could connect)" }}
{{- end }}
AUTH_GUESTS: "refused"
{{- end }}
{{- with include "tessera.historyViewerConfig" . }}
{{ . }}
{{- end }}
{{- end }}

{{- define "tessera.writerConfig" -}}
{{- $w := .Values.writer -}}
{{ include "tessera.commonConfig" . }}
HTTP_PORT: {{ $w.port | int | quote }}
TICK_MS: {{ $w.config.tickMs | int | quote }}
SYNC_INTERVAL_MS: {{ $w.config.syncIntervalMs | int | quote }}
LOCK_TTL_MS: {{ $w.config.lockTtlMs | int | quote }}
DELTA_WIRE_FORMAT: {{ $w.config.deltaWireFormat | quote }}
MAX_EVENTS_PER_TICK: {{ $w.config.maxEventsPerTick | int | quote }}
{{- end }}

{{- define "tessera.snapshotterConfig" -}}
{{- $s := .Values.snapshotter -}}
{{ include "tessera.commonConfig" . }}
HTTP_PORT: {{ $s.port | int | quote }}
{{- if include "tessera.objectStoreEnabled" . }}
# The bundled SeaweedFS (objectStore): path-style, any region.
S3_BUCKET: {{ .Values.objectStore.bucket | quote }}
S3_PREFIX: {{ $s.s3.prefix | quote }}
S3_REGION: "us-east-1"
S3_ENDPOINT: {{ include "tessera.objectStoreEndpoint" . | quote }}
S3_FORCE_PATH_STYLE: "true"
{{- else }}
S3_BUCKET: {{ $s.s3.bucket | quote }}
S3_PREFIX: {{ $s.s3.prefix | quote }}
S3_REGION: {{ $s.s3.region | quote }}
{{- with $s.s3.endpoint }}
S3_ENDPOINT: {{ . | quote }}
{{- end }}
S3_FORCE_PATH_STYLE: {{ $s.s3.forcePathStyle | toString | quote }}
{{- end }}
SNAPSHOT_INTERVAL_MS: {{ $s.intervalMs | int | quote }}
FFMPEG_PATH: {{ $s.history.ffmpegPath | quote }}
TIMELAPSE_PRESET: {{ $s.history.timelapsePreset | quote }}
HISTORY_LINK_TTL_SECONDS: {{ $s.history.linkTtlSeconds | int | quote }}
{{- with $s.history.downloadEndpoint }}
HISTORY_DOWNLOAD_ENDPOINT: {{ . | quote }}
{{- end }}
# A restore tells players to re-read only after every gateway's cached canvas read has expired.
CANVAS_CACHE_MS: {{ .Values.gateway.config.canvasCacheMs | int | quote }}
{{ include "tessera.canvasConfig" . }}
{{- end }}

{{/*
Secret-backed env of the snapshotter: REDIS_URL and, when configured, static S3 credentials.
*/}}
{{- define "tessera.snapshotterEnv" -}}
{{- $s := .Values.snapshotter }}
{{- include "tessera.redisEnv" . }}
{{- if include "tessera.objectStoreEnabled" . }}
{{- /* The bundled SeaweedFS's generated keys, in the release's Secret. */}}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "tessera.secretName" . }}
      key: AWS_ACCESS_KEY_ID
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "tessera.secretName" . }}
      key: AWS_SECRET_ACCESS_KEY
{{- else if or $s.s3.existingSecret $s.s3.accessKeyId }}
{{- $name := default (include "tessera.secretName" .) $s.s3.existingSecret }}
{{- /* Static credentials; without them the AWS SDK's default chain finds IRSA or pod identity. */}}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ ternary $s.s3.accessKeyIdKey "AWS_ACCESS_KEY_ID" (not (empty $s.s3.existingSecret)) }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ ternary $s.s3.secretAccessKeyKey "AWS_SECRET_ACCESS_KEY" (not (empty $s.s3.existingSecret)) }}
{{- end }}
{{- /* The salt of dataset user hashes: beside SESSION_SECRET (optional: without it datasets refuse to export). */}}
- name: DATASET_USER_SALT
  valueFrom:
    secretKeyRef:
      name: {{ include "tessera.authSecretName" . }}
      key: DATASET_USER_SALT
      optional: true
{{- with $s.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Redis connection settings every service shares (ConfigMap data): Sentinel or cluster addresses,
user names, TLS. Passwords are Secret-backed env (tessera.redisPasswordEnv).
*/}}
{{- define "tessera.redisConfig" -}}
{{- $r := .Values.redis }}
{{- if $r.sentinel.hosts }}
REDIS_SENTINELS: {{ join "," $r.sentinel.hosts | quote }}
REDIS_SENTINEL_MASTER: {{ $r.sentinel.masterName | quote }}
{{- with $r.sentinel.username }}
REDIS_SENTINEL_USERNAME: {{ . | quote }}
{{- end }}
REDIS_SENTINEL_TLS: {{ $r.sentinel.tls | toString | quote }}
{{- end }}
{{- if $r.cluster.nodes }}
REDIS_CLUSTER_NODES: {{ join "," $r.cluster.nodes | quote }}
{{- end }}
{{- if ne (include "tessera.redisMode" .) "embedded" }}
{{- with $r.auth.username }}
REDIS_USERNAME: {{ . | quote }}
{{- end }}
{{- if $r.tls.enabled }}
REDIS_TLS: "true"
{{- end }}
{{- with $r.tls.caFile }}
REDIS_TLS_CA_FILE: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
REDIS_PASSWORD and REDIS_SENTINEL_PASSWORD from a Secret: redis.auth.existingSecret, else the
chart's own when the values carry them. The embedded Redis's password travels inside its REDIS_URL.
*/}}
{{- define "tessera.redisPasswordEnv" -}}
{{- $r := .Values.redis }}
{{- $mode := include "tessera.redisMode" . }}
{{- if ne $mode "embedded" }}
{{- if or $r.auth.existingSecret $r.auth.password }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default (include "tessera.secretName" .) $r.auth.existingSecret }}
      key: {{ ternary $r.auth.passwordKey "REDIS_PASSWORD" (not (empty $r.auth.existingSecret)) }}
{{- end }}
{{- if and (eq $mode "sentinel") (or (and $r.auth.existingSecret $r.sentinel.passwordKey) $r.sentinel.password) }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- if and $r.auth.existingSecret $r.sentinel.passwordKey }}
      name: {{ $r.auth.existingSecret }}
      key: {{ $r.sentinel.passwordKey }}
      {{- else }}
      name: {{ include "tessera.secretName" . }}
      key: REDIS_SENTINEL_PASSWORD
      {{- end }}
{{- end }}
{{- end }}
{{- end }}
