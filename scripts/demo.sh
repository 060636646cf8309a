#!/usr/bin/env bash
# The README's main job: runs a whole campaign with `inet-swarm run --local` on
# this machine's cores, on the oppsim test model (an OMNeT++-lookalike, so no
# OMNeT++ installation is needed), and shows the results/ folder it produced.
# Needs only Node.js, npm, a C compiler, make and git.
#
#   scripts/demo.sh [CONFIG]      # default config: Aloha (42 runs)
#   INETSWARM_DEMO_KEEP=1 scripts/demo.sh   # keep the model folder afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
project="$(pwd)"
config="${1:-Aloha}"

log() { printf '[demo] %s\n' "$*" >&2; }

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "Installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

work="$(mktemp -d -t inet-swarm-demo-XXXXXX)"
if [[ "${INETSWARM_DEMO_KEEP:-}" == 1 ]]; then
  trap 'log "Kept the model and its results in $work/model"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

log "Building the oppsim model in a fresh git repository under $work"
FIXTURE_TS="$project/test/fixtures/fixture.ts" MODEL_DIR="$work/model" \
  node --import tsx --input-type=module -e '
    const { makeFixtureRepo, buildFixture } = await import(process.env.FIXTURE_TS);
    const { repoDir } = await makeFixtureRepo({ dir: process.env.MODEL_DIR });
    await buildFixture(repoDir);
  '

cores="$(node -p 'require("node:os").availableParallelism()')"
cd "$work/model"
log "Running: inet-swarm run --local -j $cores -c $config   (in $work/model)"
status=0
"$project/bin/inet-swarm.js" run --local -j "$cores" -c "$config" || status=$?

log "results/ now holds $(find results -type f | wc -l) files, with OMNeT++'s own names:"
# sed reads to the end: with pipefail, head closing the pipe early could fail the script with SIGPIPE (141).
ls -l results | sed -n 1,13p
if (( $(find results -type f | wc -l) > 12 )); then echo "  ..."; fi
exit "$status"
