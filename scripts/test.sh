#!/usr/bin/env bash
# The test command (README, CI): installs what it needs, lints, type-checks, and runs every test against real servers:
# a Temporal dev server and the time-skipping test server, moto for AWS, and the servers later suites add.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh | tail -n 1):$PATH"   # the project's pinned Node, for npm, npx and every process the tests start
export PATH
node --version >&2
scripts/deps.sh
echo "== lint (npm run format fixes formatting)" >&2
npm run --silent lint
GLIDEPATH_TOOLS_BIN="$(scripts/tools.sh | tail -n 1)"
export GLIDEPATH_TOOLS_BIN
scripts/prometheus.sh >/dev/null          # Debian's Prometheus, for analysis tests
scripts/kube-tools.sh >/dev/null          # Kubernetes control plane + KWOK (a cold build takes ~8 min, then cached)
echo "== type check" >&2
npx tsc -p .
echo "== tests" >&2
# The Kubernetes tests start the control plane on first use; stop it afterwards unless it was running before
# (another checkout's run, or a developer's warm cluster).
if ! scripts/kube-cluster.sh kubeconfig >/dev/null 2>&1; then
  trap 'scripts/kube-cluster.sh down >/dev/null 2>&1 || true' EXIT
fi
npx vitest run "$@"
if [ $# -eq 0 ]; then
  # `engines` allows Node 22: the fast tier (plan checks, workflow tables on a real worker) runs on it too.
  echo "== fast tier on Node 22" >&2
  GLIDEPATH_NODE=22 scripts/test-unit.sh
fi
