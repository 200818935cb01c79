#!/usr/bin/env bash
# `docker compose config` without Docker: validates docker-compose.yml with compose-go (the loader Docker
# Compose uses), built once from the Go module proxy and cached outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's|^require github.com/compose-spec/compose-go/v2 \(v[^ ]*\)$|\1|p' scripts/compose-config/go.mod)
cache="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}"
bin="$cache/compose-config-$version/compose-config"
if [ ! -x "$bin" ]; then
  echo "building compose-config (compose-go $version)" >&2
  mkdir -p "$(dirname "$bin")"
  (cd scripts/compose-config && GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS=-mod=mod \
    CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" . && mv "$bin.tmp" "$bin")
fi
exec "$bin" "${1:-docker-compose.yml}"
