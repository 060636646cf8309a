#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the npm packages, builds
# (or takes from the cache in ~/.cache/inet-swarm) every server of the local
# stack, its container images and its real node (kubelet, containerd), starts
# the stack once, runs lint, the type check and every unit and integration test
# against it, and stops the stack whatever happens. Needs root (the real
# node's bridge, cgroups and containerd).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test] %s\n' "$*" >&2; }

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "Installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "Building the stack's servers and its real node (cached after the first run)"
npx tsx test/stack/cli.ts build --real-node
# Apart from the stack's start, which waits at most 300 s: a cold image build takes minutes.
log "Building the stack's container images (cached after the first run)"
npx tsx test/stack/cli.ts images

log "Linting and type-checking"
npx eslint .
npm run --silent lint:layers
npx tsc -p tsconfig.json --noEmit

state_dir="$(mktemp -d -t inet-swarm-test-XXXXXX)"
state="$state_dir/stack.json"
stack_pid=""
stop_stack() {
  if [[ -n "$stack_pid" ]] && kill -0 "$stack_pid" 2>/dev/null; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
  fi
  # Every server's command line names its directory under the stack's own
  # directory: whatever outlived the stack command (a crash) is found by it.
  pkill -KILL -f "$state_dir/stack/" 2>/dev/null || true
  # A crashed real node can leave its containers' mounts behind.
  awk '{print $5}' /proc/self/mountinfo | grep "^$state_dir/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$state_dir"
}
trap stop_stack EXIT

log "Starting the local stack"
# node itself (not npx) so that the PID we signal is the stack command's own.
node --import tsx test/stack/cli.ts up --real-node --state "$state" --dir "$state_dir/stack" > "$state_dir/stack.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 600); do
  [[ -s "$state" ]] && break
  if ! kill -0 "$stack_pid" 2>/dev/null; then
    cat "$state_dir/stack.log" >&2
    log "The local stack failed to start"
    exit 1
  fi
  sleep 0.5
done
[[ -s "$state" ]] || { cat "$state_dir/stack.log" >&2; log "The local stack did not start in 300 s"; exit 1; }
cat "$state_dir/stack.log" >&2
export INETSWARM_STACK="$state"

mapfile -t tests < <(find test/unit test/integration -name '*.test.ts' 2>/dev/null | sort)
log "Running ${#tests[@]} test files"
# --test-timeout also bounds each test file as a whole: 30 min leaves the
# slowest files room on a busy machine, while each test keeps its own tighter
# limit.
npx tsx --test --test-reporter=spec --test-timeout=1800000 "${tests[@]}"
