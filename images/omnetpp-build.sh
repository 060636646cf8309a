#!/usr/bin/env bash
# Downloads and builds the OMNeT++ core (no IDE, Qtenv, OSG) of one version into a prefix: the libraries, opp_run,
# the opp_* tools, headers and makefiles that a model's build and its runs need.
# Usage: omnetpp-build.sh <version, e.g. 6.1.0 or 5.7.1> <prefix>
set -euo pipefail

version="${1:?usage: omnetpp-build.sh VERSION PREFIX}"
prefix="${2:?usage: omnetpp-build.sh VERSION PREFIX}"

case "$version" in
  5.*) archive="omnetpp-${version}-src-core.tgz" ;;
  *) archive="omnetpp-${version}-core.tgz" ;;
esac
url="https://github.com/omnetpp/omnetpp/releases/download/omnetpp-${version}/${archive}"

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
curl -fsSL --retry 3 -o "$workdir/$archive" "$url"
mkdir -p "$prefix"
tar -xzf "$workdir/$archive" -C "$prefix" --strip-components=1

cd "$prefix"
# Headless: no Qtenv, no 3D, no Python-based IDE helpers.
sed -i -e 's/^WITH_QTENV=.*/WITH_QTENV=no/' -e 's/^WITH_OSG=.*/WITH_OSG=no/' \
  -e 's/^WITH_OSGEARTH=.*/WITH_OSGEARTH=no/' configure.user
export PATH="$prefix/bin:$PATH"
./configure WITH_QTENV=no WITH_OSG=no WITH_OSGEARTH=no
# Both modes: an InetBuild with mode: debug runs opp_run_dbg and links the *_dbg libraries.
make -j"$(nproc)" MODE=release base
make -j"$(nproc)" MODE=debug base
rm -rf doc samples ide images out
echo "$version" > "$prefix/Version"
