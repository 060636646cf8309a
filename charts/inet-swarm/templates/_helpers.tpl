{{/* Chart name. */}}
{{- define "inet-swarm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix: the release name, with the chart name unless it already contains it. */}}
{{- define "inet-swarm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "inet-swarm.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "inet-swarm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: inet-swarm
{{- end -}}

{{/* Selector labels of one component: include with (list . "operator"). */}}
{{- define "inet-swarm.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "inet-swarm.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "inet-swarm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "inet-swarm.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Namespaces the operator watches in namespaced mode. */}}
{{- define "inet-swarm.watchNamespaces" -}}
{{- if .Values.rbac.namespaces -}}
{{- toJson .Values.rbac.namespaces -}}
{{- else -}}
{{- toJson (list .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{- /*
Where the operator's runners (and builders, for MongoDB) reach a server, as NetworkPolicy peers in JSON for
INETSWARM_NETWORK_NATS_PEERS / _STORE_PEERS: the chart's pods in the release namespace, else
networkPolicy.externalCIDRs, else nothing (the operator then allows any address but the metadata endpoints).
Include with (list . "nats").
*/}}
{{- define "inet-swarm.serverPeers" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- if (index $root.Values $name).enabled -}}
{{- $pods := fromYaml (include "inet-swarm.selectorLabels" (list $root $name)) -}}
{{- toJson (list (dict "namespaceSelector" (dict "matchLabels" (dict "kubernetes.io/metadata.name" $root.Release.Namespace)) "podSelector" (dict "matchLabels" $pods))) -}}
{{- else -}}
{{- $blocks := list -}}
{{- range $root.Values.networkPolicy.externalCIDRs -}}
{{- $blocks = append $blocks (dict "ipBlock" (dict "cidr" .)) -}}
{{- end -}}
{{- if $blocks -}}{{- toJson $blocks -}}{{- end -}}
{{- end -}}
{{- end -}}

{{/* The NetworkPolicies the operator writes into each namespace it serves, named so that its RBAC can name them. */}}
{{- define "inet-swarm.operatorPolicyNames" -}}
["inet-swarm-default-deny","inet-swarm-runner","inet-swarm-builder","inet-swarm-distccd"]
{{- end -}}

{{- define "inet-swarm.natsName" -}}{{ include "inet-swarm.fullname" . }}-nats{{- end -}}
{{- define "inet-swarm.mongodbName" -}}{{ include "inet-swarm.fullname" . }}-mongodb{{- end -}}
{{- /* The root credential's Secret: "-root" keeps it apart from every Secret the operator writes into namespaces. */}}
{{- define "inet-swarm.mongodbRootSecretName" -}}{{ include "inet-swarm.mongodbName" . }}-root{{- end -}}

{{- /*
The Secrets the chart renders in the release namespace. The operator writes its runner and builder Secrets into
every namespace it serves, the release namespace included: a name shared with one of these would let it overwrite
(or hand a tenant) the chart's own credentials, so the chart refuses to render such values.
*/}}
{{- define "inet-swarm.chartSecretNames" -}}
{{- $names := list (include "inet-swarm.natsName" .) (include "inet-swarm.mongodbRootSecretName" .) (include "inet-swarm.mongodbName" .) (printf "%s-keys" (include "inet-swarm.natsName" .)) (printf "%s-tls" (include "inet-swarm.resultsName" .)) -}}
{{- with .Values.nats.auth.existingSecret }}{{ $names = append $names . }}{{ end -}}
{{- with .Values.mongodb.auth.existingSecret }}{{ $names = append $names . }}{{ end -}}
{{- with .Values.nats.external.existingSecret }}{{ $names = append $names . }}{{ end -}}
{{- with .Values.mongodb.external.uriSecret.name }}{{ $names = append $names . }}{{ end -}}
{{- toJson $names -}}
{{- end -}}
{{- define "inet-swarm.checkSecretNames" -}}
{{- $chart := fromJsonArray (include "inet-swarm.chartSecretNames" .) -}}
{{- range $operator := list .Values.runner.secretName .Values.builder.mongoSecretName -}}
{{- if has $operator $chart -}}
{{- fail (printf "the operator's Secret name %q (runner.secretName / builder.mongoSecretName) is also a Secret of the chart: choose another" $operator) -}}
{{- end -}}
{{- end -}}
{{- if eq .Values.runner.secretName .Values.builder.mongoSecretName -}}
{{- fail "runner.secretName and builder.mongoSecretName must differ: each holds other keys" -}}
{{- end -}}
{{- end -}}

{{- /* The Secret with the NATS account's public key (`account`) and signing seed (`signing-key`), and, for the chart's NATS, its operator-mode settings (`server.conf`). */}}
{{- define "inet-swarm.natsSecretName" -}}
{{- if .Values.nats.enabled -}}
{{- default (printf "%s-keys" (include "inet-swarm.natsName" .)) .Values.nats.auth.existingSecret -}}
{{- else -}}
{{- required "nats.external.existingSecret is required when nats.enabled is false: a Secret with keys account and signing-key" .Values.nats.external.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "inet-swarm.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s.%s.svc:4222" (include "inet-swarm.natsName" .) .Release.Namespace -}}
{{- else -}}
{{- required "nats.external.url is required when nats.enabled is false" .Values.nats.external.url -}}
{{- end -}}
{{- end -}}

{{/* Secret and key holding the MongoDB URI the operator uses. */}}
{{- define "inet-swarm.mongodbUriSecret" -}}
{{- if .Values.mongodb.enabled -}}
{{- default (include "inet-swarm.mongodbRootSecretName" .) .Values.mongodb.auth.existingSecret -}}
{{- else -}}
{{- required "mongodb.external.uriSecret.name is required when mongodb.enabled is false" .Values.mongodb.external.uriSecret.name -}}
{{- end -}}
{{- end -}}
{{- define "inet-swarm.mongodbUriKey" -}}
{{- if .Values.mongodb.enabled -}}uri{{- else -}}{{ .Values.mongodb.external.uriSecret.key }}{{- end -}}
{{- end -}}

{{/* Affinity of a system component: its own, else a preference for the system pool. */}}
{{- define "inet-swarm.affinity" -}}
{{- $root := index . 0 -}}
{{- $own := index . 1 -}}
{{- if $own -}}
{{- toYaml $own -}}
{{- else if $root.Values.systemNodeAffinity.enabled -}}
nodeAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      preference:
        matchExpressions:
          - key: {{ $root.Values.systemNodeAffinity.key }}
            operator: In
            values:
              - {{ $root.Values.systemNodeAffinity.value | quote }}
{{- end -}}
{{- end -}}

{{- define "inet-swarm.restrictedContainer" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- /*
What the controllers do in the watched namespaces, from the operator's API calls: informers on builds, campaigns,
Jobs and Pods; server-side apply of Jobs, the distcc DaemonSet and Service and the per-namespace Secrets; status
patches; finalizers on campaigns; Events.
*/}}
{{- define "inet-swarm.watchRules" -}}
- apiGroups: ["inetswarm.dev"]
  resources: ["inetbuilds", "simulationcampaigns"]
  verbs: ["get", "list", "watch", "update", "patch"]
# spec.results.ttlAfterFinished: the operator deletes an expired campaign.
- apiGroups: ["inetswarm.dev"]
  resources: ["simulationcampaigns"]
  verbs: ["delete"]
- apiGroups: ["inetswarm.dev"]
  resources: ["inetbuilds/status", "simulationcampaigns/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["inetswarm.dev"]
  resources: ["inetbuilds/finalizers", "simulationcampaigns/finalizers"]
  verbs: ["update"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["daemonsets"]
  verbs: ["get", "create", "patch"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "patch"]
{{- /* create cannot be limited by name; reading and changing are limited to the operator's own Secrets. */}}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: {{ toJson (list .Values.builder.mongoSecretName .Values.runner.secretName) }}
  verbs: ["get", "patch"]
{{- /* The token-less ServiceAccounts of runner, builder and distccd pods, which the operator creates in each
       namespace where it runs them; likewise limited to its own by name. */}}
- apiGroups: [""]
  resources: ["serviceaccounts"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["serviceaccounts"]
  resourceNames: {{ toJson (list .Values.runner.serviceAccountName .Values.builder.serviceAccountName) }}
  verbs: ["get", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if .Values.networkPolicy.enabled }}
{{- /* The namespace's NetworkPolicy set (operator/controllers/shared/network.ts): created, then changed by name. */}}
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["create"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  resourceNames: {{ include "inet-swarm.operatorPolicyNames" . }}
  verbs: ["patch"]
{{- end }}
{{- end }}

{{/* The results service's name: its Deployment, Service, ServiceAccount and ClusterRole. */}}
{{- define "inet-swarm.resultsName" -}}{{ include "inet-swarm.fullname" . }}-results{{- end -}}

{{/* The aggregated API the results service serves (api/results.ts RESULTS_GROUP, RESULTS_VERSION). */}}
{{- define "inet-swarm.resultsGroup" -}}results.inetswarm.dev{{- end -}}
{{- define "inet-swarm.resultsVersion" -}}v1alpha1{{- end -}}
