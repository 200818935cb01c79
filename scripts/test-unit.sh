#!/usr/bin/env bash
# The fast tier: every test that needs no server (layering, plan validation and its bad-plan corpus, analysis
# rules, pure helpers), in well under a minute. `npm test` runs these too, with everything else.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh | tail -n 1):$PATH"
export PATH
scripts/deps.sh
exec npx vitest run --config vitest.unit.config.mts "$@"
