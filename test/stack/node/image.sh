#!/bin/sh
# Writes a one-layer image as a docker-archive tarball (manifest.json, the
# config and layer.tar, what `ctr images import` reads) without docker or a
# registry, for the local stack's real node:
#   image.sh pause   OUT NAME  - the static pause program (pause.c) as /pause
#   image.sh busybox OUT NAME  - Debian's static busybox with a link per applet
# The tar options make the same inputs give the same bytes, hence the same
# image digest.
set -eu
kind="$1"; out="$2"; name="$3"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"

case "$kind" in
  pause)
    gcc -static -Os -s -Wall -Wextra -Werror -o "$root/pause" "$here/pause.c"
    config_extra='"Entrypoint":["/pause"],"User":"65535:65535"'
    ;;
  busybox)
    mkdir -p "$root/bin" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    config_extra='"Cmd":["sh"]'
    ;;
  *) echo "image.sh: unknown image $kind" >&2; exit 2 ;;
esac

tarflags="--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu"
# shellcheck disable=SC2086
tar $tarflags -C "$root" -cf "$work/layer.tar" .
layer_sha="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
mkdir -p "$work/archive/$layer_sha"
mv "$work/layer.tar" "$work/archive/$layer_sha/layer.tar"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$config_extra" "$layer_sha" > "$work/config.json"
config_sha="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
mv "$work/config.json" "$work/archive/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
  "$config_sha" "$name" "$layer_sha" > "$work/archive/manifest.json"
# shellcheck disable=SC2086
tar $tarflags -C "$work/archive" -cf "$out" .
