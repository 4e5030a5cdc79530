{{/* The base of every object's name: "converge" unless nameOverride says otherwise. */}}
{{- define "converge.name" -}}
{{- default "converge" .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "converge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object: the runbook's app=converge plus the recommended ones. */}}
{{- define "converge.labels" -}}
app: {{ include "converge.name" . }}
app.kubernetes.io/name: {{ include "converge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: converge
helm.sh/chart: {{ include "converge.chart" . }}
{{- end -}}

{{/* Labels of one component (api, worker, beat, migrate): usage (include "converge.componentLabels" (list $ "api")) */}}
{{- define "converge.componentLabels" -}}
{{ include "converge.labels" (index . 0) }}
component: {{ index . 1 }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "converge.selector" -}}
app: {{ include "converge.name" (index . 0) }}
component: {{ index . 1 }}
{{- end -}}

{{- define "converge.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "converge.configName" -}}
{{- printf "%s-config" (include "converge.name" .) -}}
{{- end -}}

{{- define "converge.filesName" -}}
{{- printf "%s-files" (include "converge.name" .) -}}
{{- end -}}

{{- define "converge.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-secrets" (include "converge.name" .) -}}
{{- end -}}
{{- end -}}

{{- define "converge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "converge.name" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Whether any of policy.json, flags.json, coherence_harness.json is shipped. */}}
{{- define "converge.hasFiles" -}}
{{- if or .Values.files.policy .Values.files.flags .Values.files.coherenceHarness -}}true{{- end -}}
{{- end -}}

{{/* Annotations that roll the pods when their configuration changes. */}}
{{- define "converge.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end -}}

{{/* The pod-level security context: the image's unprivileged user, no privilege escalation. */}}
{{- define "converge.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end -}}

{{/* Everything the application reads: the settings, the secrets, and the few per-pod overrides. */}}
{{- define "converge.envFrom" -}}
- configMapRef:
    name: {{ include "converge.configName" . }}
- secretRef:
    name: {{ include "converge.secretName" . }}
{{- end -}}

{{- define "converge.env" -}}
{{- if .Values.files.policy }}
- name: CONVERGE_POLICY_PATH
  value: /etc/converge/policy.json
{{- end }}
{{- range $name, $value := .Values.extraEnv }}
- name: {{ $name }}
  value: {{ tpl (toString $value) $ | quote }}
{{- end }}
{{- end -}}

{{/* The writable paths of a read-only root filesystem, and the read-only inputs. */}}
{{- define "converge.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: {{ .Values.config.CONVERGE_HOME }}
- name: repos
  mountPath: {{ .Values.persistence.repos.mountPath }}
- name: github-app-key
  mountPath: /secrets/github-app
  readOnly: true
{{- if .Values.files.policy }}
- name: files
  mountPath: /etc/converge/policy.json
  subPath: policy.json
  readOnly: true
{{- end }}
{{- if .Values.files.flags }}
- name: files
  mountPath: {{ printf "%s/flags.json" .Values.config.CONVERGE_HOME }}
  subPath: flags.json
  readOnly: true
{{- end }}
{{- end -}}

{{- define "converge.claimOrEmpty" -}}
{{- $volume := index . 0 -}}
{{- $claim := index . 1 -}}
{{- if $volume.enabled }}
  persistentVolumeClaim:
    claimName: {{ $volume.existingClaim | default $claim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{- define "converge.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
- name: data
{{- include "converge.claimOrEmpty" (list .Values.persistence.data (printf "%s-data" (include "converge.name" .))) }}
- name: repos
{{- include "converge.claimOrEmpty" (list .Values.persistence.repos (printf "%s-repos" (include "converge.name" .))) }}
- name: github-app-key
  secret:
    secretName: {{ .Values.githubApp.keySecret }}
    optional: true
    defaultMode: 0440
    items:
      - key: private-key.pem
        path: private-key.pem
{{- if include "converge.hasFiles" . }}
- name: files
  configMap:
    name: {{ include "converge.filesName" . }}
{{- end }}
{{- end -}}

{{/* Seeds coherence_harness.json on the writable data volume (commands rewrite it there). */}}
{{- define "converge.seedContainer" -}}
{{- if .Values.files.coherenceHarness }}
- name: seed-coherence-harness
  image: {{ include "converge.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - sh
    - -c
    - test -e "$CONVERGE_HOME/coherence_harness.json" || cp /etc/converge-seed/coherence_harness.json "$CONVERGE_HOME/coherence_harness.json"
  env:
    - name: CONVERGE_HOME
      value: {{ .Values.config.CONVERGE_HOME | quote }}
  securityContext:
    {{- toYaml .Values.containerSecurityContext | nindent 4 }}
  resources:
    {{- toYaml .Values.initResources | nindent 4 }}
  volumeMounts:
    - name: data
      mountPath: {{ .Values.config.CONVERGE_HOME }}
    - name: files
      mountPath: /etc/converge-seed/coherence_harness.json
      subPath: coherence_harness.json
      readOnly: true
{{- end }}
{{- end -}}

{{/* In the initContainer migration mode: the API migrates, workers and beat wait for it. */}}
{{- define "converge.migrateContainer" -}}
{{- $root := index . 0 -}}
{{- $wait := index . 1 -}}
{{- if eq $root.Values.migration.mode "initContainer" }}
- name: {{ ternary "wait-for-migrations" "migrate" $wait }}
  image: {{ include "converge.image" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  {{- if $wait }}
  command:
    - sh
    - -c
    - until converge migrate --check --noinput >/dev/null; do echo "waiting for migrations"; sleep 5; done
  {{- else }}
  args: ["migrate", "--noinput"]
  {{- end }}
  envFrom:
    {{- include "converge.envFrom" $root | nindent 4 }}
  securityContext:
    {{- toYaml $root.Values.containerSecurityContext | nindent 4 }}
  resources:
    {{- toYaml $root.Values.migration.resources | nindent 4 }}
  volumeMounts:
    {{- include "converge.volumeMounts" $root | nindent 4 }}
{{- end }}
{{- end -}}
