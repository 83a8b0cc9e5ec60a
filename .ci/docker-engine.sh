#!/usr/bin/env bash
# Starts a Docker engine and builds the code-execution image the docker backend's real-engine
# tests use, from Debian's own mirror (no image registry is reachable here). Never fails CI: when
# the engine cannot start, it says why and the tests skip.
set -uo pipefail
image="${CODE_EXECUTE_DOCKER_IMAGE:-agent-gateway-code-exec:latest}"
cache="${AGENT_GATEWAY_CI_CACHE:-/var/cache/agent-gateway-ci}"

note() { echo "docker-engine: $*" >&2; }

if [ "$(id -u)" != "0" ]; then note "not root: skipping the engine (real-engine tests will skip)"; exit 0; fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null 2>&1 \
    || { note "could not install docker.io/debootstrap"; exit 0; }
fi

if ! docker info >/dev/null 2>&1; then
  (dockerd >/tmp/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then
    note "dockerd did not start: $(tail -n 3 /tmp/dockerd.log 2>/dev/null | tr '\n' ' ')"
    exit 0
  fi
fi

if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi

mkdir -p "$cache"
tarball="$cache/bookworm-python3-rootfs.tar"
if [ ! -s "$tarball" ]; then
  mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | head -n 1)
  mirror="${mirror:-http://deb.debian.org/debian}"
  rootfs=$(mktemp -d)
  note "building the rootfs from $mirror (about a minute)"
  if ! debootstrap --variant=minbase --include=python3 bookworm "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1; then
    note "debootstrap failed: $(tail -n 2 /tmp/debootstrap.log | tr '\n' ' ')"
    rm -rf "$rootfs"
    exit 0
  fi
  tar -C "$rootfs" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
  rm -rf "$rootfs"
fi
docker import "$tarball" "$image" >/dev/null || { note "docker import failed"; exit 0; }
note "image $image ready"
