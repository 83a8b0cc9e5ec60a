#!/usr/bin/env bash
# Starts a Docker engine and builds, from Debian's own mirror and this machine's files (no image
# registry is reachable here), the images the real-engine tests use: the code-execution image of
# the docker backend, a Node base image for the image `agent-gateway deploy docker` writes, and
# stand-ins for the PostgreSQL, Redis and HAProxy images of the compose file it writes.
# Never fails CI: when the engine cannot start, it says why and the tests skip.
#
# The engine never touches the network: no bridge, no iptables rules, no forwarding or
# masquerading. Containers run with `--network host` and listen on 127.0.0.1 only; builds that
# fetch packages use `docker build --network host`.
set -uo pipefail
image="${CODE_EXECUTE_DOCKER_IMAGE:-agent-gateway-code-exec:latest}"
node_image="${AGENT_GATEWAY_NODE_IMAGE:-agent-gateway-node-base:ci}"
cache="${AGENT_GATEWAY_CI_CACHE:-/var/cache/agent-gateway-ci}"

note() { echo "docker-engine: $*" >&2; }

if [ "$(id -u)" != "0" ]; then note "not root: skipping the engine (real-engine tests will skip)"; exit 0; fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null 2>&1 \
    || { note "could not install docker.io/debootstrap"; exit 0; }
fi

if ! docker info >/dev/null 2>&1; then
  (dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    >/tmp/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then
    note "dockerd did not start: $(tail -n 3 /tmp/dockerd.log 2>/dev/null | tr '\n' ' ')"
    exit 0
  fi
fi

compose_images=(postgres redis haproxy)
all_present=true
for name in "$image" "$node_image" agent-gateway-postgres:ci agent-gateway-redis:ci agent-gateway-haproxy:ci; do
  docker image inspect "$name" >/dev/null 2>&1 || all_present=false
done
if [ "$all_present" = true ]; then exit 0; fi

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
if ! docker image inspect "$image" >/dev/null 2>&1; then
  docker import "$tarball" "$image" >/dev/null || { note "docker import failed"; exit 0; }
  note "image $image ready"
fi

# The Node base: the same root filesystem with this machine's Node binary and npm where the
# public Node images keep them (/usr/local), tini, and this machine's CA certificates (npm's
# registry is reached through them).
if ! docker image inspect "$node_image" >/dev/null 2>&1; then
  node_binary=$(readlink -f "$(command -v node)")
  npm_folder=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  tini_binary=$(command -v tini-static || command -v tini)
  if [ -z "$tini_binary" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tini >/dev/null 2>&1
    tini_binary=$(command -v tini-static || command -v tini)
  fi
  rootfs=$(mktemp -d)
  tar -C "$rootfs" -xf "$tarball"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/etc/ssl/certs"
  cp "$node_binary" "$rootfs/usr/local/bin/node"
  cp -a "$npm_folder" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  cp "$tini_binary" "$rootfs/usr/bin/tini"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" -c . | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$node_image" >/dev/null \
    || note "docker import of $node_image failed"
  rm -rf "$rootfs"
  docker image inspect "$node_image" >/dev/null 2>&1 && note "image $node_image ready"
fi

# Stand-ins for postgres:16-bookworm, redis:7-bookworm and haproxy:2.8, from Debian's packages
# on the same root filesystem (.ci/compose-images/Dockerfile): the compose test substitutes them
# through POSTGRES_IMAGE, REDIS_IMAGE and HAPROXY_IMAGE. The classic builder reuses the shared
# package stage for all three.
compose_context="$(dirname "$0")/compose-images"
for target in "${compose_images[@]}"; do
  tag="agent-gateway-$target:ci"
  docker image inspect "$tag" >/dev/null 2>&1 && continue
  if docker build --network host --build-arg "BASE_IMAGE=$image" --target "$target" --tag "$tag" "$compose_context" \
    >/tmp/compose-images-build.log 2>&1; then
    note "image $tag ready"
  else
    note "building $tag failed: $(tail -n 3 /tmp/compose-images-build.log | tr '\n' ' ')"
  fi
done
