#!/usr/bin/env bash
# `npm run bench`: the figures of bench/run.ts, on the project's pinned Node against the real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh | tail -n 1):$PATH"
export PATH
scripts/deps.sh
GLIDEPATH_TOOLS_BIN="$(scripts/tools.sh | tail -n 1)"
export GLIDEPATH_TOOLS_BIN
# The CLI and worker are measured as operators run them: compiled (dist/), so build when a source is newer.
if [ ! -f dist/starters/cli.js ] || [ ! -f dist/workflow-bundle.js ] ||
  [ -n "$(find starters plan workflows workers activities encryption package-lock.json -newer dist/starters/cli.js -print -quit)" ]; then
  npm run build
fi
exec node --expose-gc --import tsx bench/run.ts "$@"
