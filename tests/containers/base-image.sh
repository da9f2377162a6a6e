#!/usr/bin/env bash
# Creates docker.io/library/debian:bookworm-slim locally when absent (no
# registry is reachable here): a debootstrap minbase of bookworm, imported.
set -euo pipefail
image=docker.io/library/debian:bookworm-slim
if podman image exists "$image"; then
  echo "base image $image present"
  exit 0
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "creating $image with debootstrap (minbase) ..."
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
# Slim, as the official image: no downloaded .debs, apt lists, docs, man pages or translations.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
tar -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' - "$image" >/dev/null
echo "created $image"
