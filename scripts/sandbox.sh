#!/usr/bin/env bash
# The sandbox: a local Temporal dev server with its Web UI, a local AWS API (moto), a worker, and an example
# Lambda canary that waits at an approval. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh | tail -n 1):$PATH"   # the project's pinned Node, first for npx and everything started below
export PATH
scripts/deps.sh
GLIDEPATH_TOOLS_BIN="$(scripts/tools.sh | tail -n 1)"
export GLIDEPATH_TOOLS_BIN
exec npx tsx scripts/sandbox.ts "$@"
