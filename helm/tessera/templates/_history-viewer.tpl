{{/*
The players' history viewer (historyViewer): the gateways read the snapshotter's archive with
read-only credentials of their own, never the snapshotter's. Location: the snapshotter's bucket
and prefix, or the bundled objectStore.
*/}}
{{- define "tessera.historyViewerConfig" -}}
{{- $h := .Values.historyViewer }}
{{- if $h.enabled }}
{{- if not .Values.snapshotter.enabled }}
{{- fail "historyViewer.enabled needs snapshotter.enabled: the viewer shows the snapshotter's archive" }}
{{- end }}
{{- $s := .Values.snapshotter.s3 }}
# The history viewer reads the snapshot archive (read-only credentials: HISTORY_S3_ACCESS_KEY_ID).
{{- if include "tessera.objectStoreEnabled" . }}
HISTORY_S3_BUCKET: {{ .Values.objectStore.bucket | quote }}
HISTORY_S3_REGION: "us-east-1"
HISTORY_S3_ENDPOINT: {{ include "tessera.objectStoreEndpoint" . | quote }}
HISTORY_S3_FORCE_PATH_STYLE: "true"
{{- else }}
HISTORY_S3_BUCKET: {{ $s.bucket | quote }}
HISTORY_S3_REGION: {{ $s.region | quote }}
{{- with $s.endpoint }}
HISTORY_S3_ENDPOINT: {{ . | quote }}
{{- end }}
HISTORY_S3_FORCE_PATH_STYLE: {{ $s.forcePathStyle | toString | quote }}
{{- end }}
HISTORY_S3_PREFIX: {{ $s.prefix | quote }}
HISTORY_INDEX_CACHE_MS: {{ $h.indexCacheMs | int | quote }}
HISTORY_CACHE_BYTES: {{ $h.cacheBytes | int64 | quote }}
{{- end }}
{{- end }}

{{/*
Secret-backed env of the gateway for the history viewer: the bundled objectStore's generated
read-only identity, or static read-only keys; none with a real bucket and no keys (IRSA).
*/}}
{{- define "tessera.historyViewerEnv" -}}
{{- $h := .Values.historyViewer }}
{{- if $h.enabled }}
{{- if include "tessera.objectStoreEnabled" . }}
- name: HISTORY_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "tessera.secretName" . }}
      key: HISTORY_S3_ACCESS_KEY_ID
- name: HISTORY_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "tessera.secretName" . }}
      key: HISTORY_S3_SECRET_ACCESS_KEY
{{- else if or $h.existingSecret $h.accessKeyId }}
{{- $name := default (include "tessera.secretName" .) $h.existingSecret }}
- name: HISTORY_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ ternary $h.accessKeyIdKey "HISTORY_S3_ACCESS_KEY_ID" (not (empty $h.existingSecret)) }}
- name: HISTORY_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ ternary $h.secretAccessKeyKey "HISTORY_S3_SECRET_ACCESS_KEY" (not (empty $h.existingSecret)) }}
{{- end }}
{{- end }}
{{- end }}
