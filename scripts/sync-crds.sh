#!/usr/bin/env bash
# Copies crds/*.yaml into the chart (charts/inet-swarm/files/crds/), which Helm
# can read; test/unit/charts-crds.test.ts fails while the two differ.
#   scripts/sync-crds.sh          # copy
#   scripts/sync-crds.sh --check  # exit 1 when they differ
set -euo pipefail
cd "$(dirname "$0")/.."
target=charts/inet-swarm/files/crds
if [[ "${1:-}" == "--check" ]]; then
  diff -r --exclude=samples -q crds "$target" >/dev/null || { echo "The chart's CRDs differ from crds/: run scripts/sync-crds.sh" >&2; exit 1; }
  exit 0
fi
mkdir -p "$target"
rm -f "$target"/*.yaml
cp crds/*.yaml "$target"/
echo "Copied $(find crds -maxdepth 1 -name '*.yaml' | wc -l) CRDs into $target"
