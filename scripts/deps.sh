#!/usr/bin/env bash
# Installs the locked npm dependencies, with the project's pinned Node and npm, when node_modules is missing or
# older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh | tail -n 1):$PATH"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi
