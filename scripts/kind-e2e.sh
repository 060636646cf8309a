#!/usr/bin/env bash
# End to end on a real (kind) cluster, for machines with Docker: creates the kind
# cluster of kind-config.yaml, builds the images and loads them into it, installs
# the chart, then builds the oppsim test model from a git repository served by
# this machine and runs a campaign of its runs to completion.
#   scripts/kind-e2e.sh            # keep the cluster afterwards
#   INETSWARM_E2E_KEEP_CLUSTER=0 scripts/kind-e2e.sh
# Its settings (INETSWARM_E2E_*) are listed in docs/configuration.md.
# The images come from images/Makefile's build target: each runner and builder image is its base (runner-base,
# builder-base) with OMNeT++ on top. The test stack builds the same bases, operator and distccd through the same
# targets (test/stack/images.ts); DEBIAN_IMAGE, NODE_IMAGE and NPM_CACHE in the environment reach make here too,
# for a machine whose Docker cannot pull the public bases.
# Needs: docker, kind, kubectl, helm, git, make.
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${INETSWARM_E2E_CLUSTER:-inet-swarm}"
REGISTRY="${INETSWARM_E2E_REGISTRY:-ghcr.io/inet-swarm}"
TAG="${INETSWARM_E2E_TAG:-e2e}"
OMNETPP_VERSION="${INETSWARM_E2E_OMNETPP_VERSION:-6.1.0}"
NAMESPACE="${INETSWARM_E2E_NAMESPACE:-inet-swarm-system}"
CAMPAIGN_NAMESPACE="${INETSWARM_E2E_CAMPAIGN_NAMESPACE:-default}"
KEEP_CLUSTER="${INETSWARM_E2E_KEEP_CLUSTER:-1}"
TIMEOUT="${INETSWARM_E2E_TIMEOUT_SECONDS:-900}"

log() { printf '[kind-e2e] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

for tool in docker kind kubectl helm git make; do
  command -v "$tool" >/dev/null || die "Missing $tool"
done
docker info >/dev/null 2>&1 || die "Docker is not running"

omnetpp_short="$(cut -d. -f1,2 <<<"$OMNETPP_VERSION")"
workdir="$(mktemp -d -t inet-swarm-e2e-XXXXXX)"
daemon_pid=""
cleanup() {
  if [[ -n "$daemon_pid" ]]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
  if [[ "$KEEP_CLUSTER" == "0" ]]; then kind delete cluster --name "$CLUSTER" || true; fi
}
trap cleanup EXIT

if kind get clusters | grep -qx "$CLUSTER"; then
  log "Reusing kind cluster $CLUSTER"
else
  log "Creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --config kind-config.yaml --wait 120s
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

log "Building images (REGISTRY=$REGISTRY TAG=$TAG OMNETPP_VERSIONS=$OMNETPP_VERSION)"
make -C images build REGISTRY="$REGISTRY" TAG="$TAG" OMNETPP_VERSIONS="$OMNETPP_VERSION"
make -C images kind-load KIND_CLUSTER="$CLUSTER" REGISTRY="$REGISTRY" TAG="$TAG" OMNETPP_VERSIONS="$OMNETPP_VERSION"

log "Installing the chart into $NAMESPACE"
helm upgrade --install inet-swarm charts/inet-swarm \
  --namespace "$NAMESPACE" --create-namespace \
  --set operator.image.repository="$REGISTRY/operator" \
  --set operator.image.tag="$TAG" \
  --set operator.image.pullPolicy=Never \
  --set builder.distccdImage="$REGISTRY/distccd:$TAG" \
  --set runner.image.template="$REGISTRY/runner:omnetpp-{version}" \
  --set builder.image.template="$REGISTRY/builder:omnetpp-{version}" \
  --set networkPolicy.runnerNamespaces="{$CAMPAIGN_NAMESPACE}" \
  --set nats.persistence.size=1Gi \
  --set mongodb.persistence.size=2Gi \
  --wait --timeout 10m
kubectl -n "$NAMESPACE" rollout status deployment/inet-swarm-operator --timeout=5m

log "Serving the oppsim model as a git repository"
repo="$workdir/oppsim.git"
git init -q -b main "$workdir/oppsim"
cp -r test/fixtures/oppsim/. "$workdir/oppsim/"
git -C "$workdir/oppsim" add -A
git -C "$workdir/oppsim" -c user.name=e2e -c user.email=e2e@inet-swarm.invalid commit -q -m "oppsim"
git clone -q --bare "$workdir/oppsim" "$repo"
touch "$repo/git-daemon-export-ok"
revision="$(git -C "$workdir/oppsim" rev-parse HEAD)"
# The kind nodes reach this machine through the gateway of Docker's "kind" network.
gateway="$(docker network inspect kind --format '{{range .IPAM.Config}}{{if .Gateway}}{{.Gateway}} {{end}}{{end}}' | awk '{print $1}')"
[[ -n "$gateway" ]] || die "Could not find the kind network's gateway"
git daemon --reuseaddr --base-path="$workdir" --listen=0.0.0.0 --port=9418 --export-all "$workdir" &
daemon_pid=$!

build="oppsim-e2e-${revision:0:12}"
campaign="oppsim-aloha-e2e"
log "Creating InetBuild $build and SimulationCampaign $campaign"
kubectl apply -n "$CAMPAIGN_NAMESPACE" -f - <<YAML
apiVersion: inetswarm.dev/v1alpha1
kind: InetBuild
metadata:
  name: $build
spec:
  source:
    repository: git://$gateway:9418/oppsim.git
    revision: $revision
    submodules: false
  omnetpp:
    version: "$omnetpp_short"
  mode: release
  commands:
    - make
  distcc:
    enabled: false
---
apiVersion: inetswarm.dev/v1alpha1
kind: SimulationCampaign
metadata:
  name: $campaign
spec:
  buildRef:
    name: $build
  workingDir: .
  iniFiles:
    - omnetpp.ini
  config: Aloha
  simulation:
    executable: ./oppsim
  execution:
    parallelism: 4
    cpu: 100m
    memory: 128Mi
    runTimeout: 5m
YAML

log "Waiting up to ${TIMEOUT}s for the campaign to finish"
deadline=$((SECONDS + TIMEOUT))
phase=""
while (( SECONDS < deadline )); do
  phase="$(kubectl get -n "$CAMPAIGN_NAMESPACE" simulationcampaign "$campaign" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
  case "$phase" in
    Succeeded) break ;;
    Failed|Cancelled)
      kubectl get -n "$CAMPAIGN_NAMESPACE" simulationcampaign "$campaign" -o yaml >&2
      die "Campaign ended $phase" ;;
  esac
  sleep 5
done
[[ "$phase" == "Succeeded" ]] || {
  kubectl get -n "$CAMPAIGN_NAMESPACE" inetbuild,simulationcampaign,jobs,pods -o wide >&2
  die "Campaign did not finish in ${TIMEOUT}s (phase ${phase:-none})"
}
kubectl get -n "$CAMPAIGN_NAMESPACE" simulationcampaign "$campaign"
total="$(kubectl get -n "$CAMPAIGN_NAMESPACE" simulationcampaign "$campaign" -o jsonpath='{.status.runs.total}')"
succeeded="$(kubectl get -n "$CAMPAIGN_NAMESPACE" simulationcampaign "$campaign" -o jsonpath='{.status.runs.succeeded}')"
[[ -n "$total" && "$total" == "$succeeded" ]] || die "Expected every run to succeed, got $succeeded of $total"
log "Campaign $campaign succeeded: $succeeded of $total runs"
