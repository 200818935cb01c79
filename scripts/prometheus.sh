#!/usr/bin/env bash
# Installs the pinned Prometheus server from Debian's `prometheus` package, for metric-analysis tests:
# downloads the .deb with apt-get (no install, no postinst, no service) and extracts /usr/bin/prometheus
# into a cache outside the checkout. Idempotent. Prints the binary's path on its last line.
set -euo pipefail

PROMETHEUS_DEB_VERSION=2.42.0+ds-5+deb12u1

cache="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}"
dir="$cache/prometheus-${PROMETHEUS_DEB_VERSION}"
bin="$dir/prometheus"

if [ ! -f "$dir/.complete" ]; then
  echo "installing Prometheus ${PROMETHEUS_DEB_VERSION} (Debian package) into $dir" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"   # apt downloads as user _apt where it can
  if ! (cd "$work" && apt-get download "prometheus=${PROMETHEUS_DEB_VERSION}" >&2); then
    echo "apt-get could not download prometheus=${PROMETHEUS_DEB_VERSION}; run 'apt-get update' and check 'apt-cache policy prometheus'" >&2
    exit 1
  fi
  dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$work/root/usr/bin/prometheus" "$bin"
  chmod 755 "$bin"
  touch "$dir/.complete"   # an interrupted install is redone, never taken as cached
fi

"$bin" --version 2>&1 | sed -n 1p >&2
echo "$bin"
