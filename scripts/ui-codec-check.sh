#!/usr/bin/env bash
# The manual browser check of encryption (README "Encryption"): starts the sandbox on spare ports, opens the
# example run in the Web UI with headless Chromium, and checks that the UI shows the decrypted input and
# Current Details through the codec server, and, for a run written with a key the codec server lacks, the
# key it needs. Screenshots go to .sandbox/. Needs Debian's chromium (installed here with apt-get) and
# playwright-core (pinned, cached outside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/node.sh | tail -n 1):$PATH"   # the project's pinned Node, for npm, npx and every process started below
export PATH
PLAYWRIGHT_CORE_VERSION=1.65.1
scripts/deps.sh
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium" >&2
  apt-get install -y --no-install-recommends chromium >&2
fi
cache="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}/playwright-core-${PLAYWRIGHT_CORE_VERSION}"
if [ ! -f "$cache/.complete" ]; then
  npm install --prefix "$cache" --no-audit --no-fund --silent "playwright-core@${PLAYWRIGHT_CORE_VERSION}" >&2
  touch "$cache/.complete"
fi
GLIDEPATH_TOOLS_BIN="$(scripts/tools.sh | tail -n 1)"
export GLIDEPATH_TOOLS_BIN PLAYWRIGHT_CORE="$cache/node_modules/playwright-core"
exec npx tsx scripts/ui-codec-check.ts "$@"
