#!/usr/bin/env bash
# The fast tier: layering, plan validation and its bad-plan corpus, analysis rules, pure helpers, and the table of
# plan → platform calls on Temporal's time-skipping test server (installed once by scripts/tools.sh, cached), in
# well under a minute. `npm test` runs these too, with everything else.
# GLIDEPATH_NODE=22 runs it on the pinned Node 22 (the dependencies stay those npm installed).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh "${GLIDEPATH_NODE:-24}" | tail -n 1):$PATH"
export PATH
scripts/deps.sh
GLIDEPATH_TOOLS_BIN="$(scripts/tools.sh | tail -n 1)"
export GLIDEPATH_TOOLS_BIN
exec npx vitest run --config vitest.unit.config.mts "$@"
