#!/usr/bin/env bash
# kube-cluster.sh — a real Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) with KWOK-simulated nodes, for tests.
#
#   scripts/kube-cluster.sh up          # start (or reuse) the cluster; last stdout line = kubeconfig path
#   scripts/kube-cluster.sh kubeconfig  # print the kubeconfig path of a running cluster (exit 1 if none)
#   scripts/kube-cluster.sh down        # delete the cluster (no-op if absent)
#
# Binaries come from scripts/kube-tools.sh (built once, cached). Nothing is
# downloaded at cluster start: every component binary is passed explicitly, and
# kwokctl runs with HTTP(S)_PROXY pointing at an unroutable address, so any
# download attempt fails loudly instead of silently fetching.
#
# Environment:
#   GLIDEPATH_KUBE_CLUSTER   cluster name (default glidepath-test)
#   GLIDEPATH_KUBE_NODES     number of fake nodes (default 2)
#   GLIDEPATH_KWOK_WORKDIR   KWOK state dir (default $GLIDEPATH_CACHE/kwok = ~/.cache/glidepath/kwok)
#   GLIDEPATH_CACHE          cache root (default ~/.cache/glidepath)
#
# Stages: kwok runs with --enable-crds=Stage; `up` applies KWOK's default
# node/pod stages (node-initialize, node-heartbeat-with-lease, pod-ready,
# pod-complete, pod-delete), the upstream chaos stages (label-triggered, e.g.
# `pod-container-running-failed.stage.kwok.x-k8s.io: "true"` makes a Running pod
# Failed) and every test/fixtures/kube/stages/*.yaml (e.g. glidepath-pod-never-ready,
# annotation `glidepath.test/never-ready: "true"`). Tests may `kubectl apply`
# further Stage objects at run time.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
NAME="${GLIDEPATH_KUBE_CLUSTER:-glidepath-test}"
NODES="${GLIDEPATH_KUBE_NODES:-2}"
CACHE_ROOT="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}"
export KWOK_WORKDIR="${GLIDEPATH_KWOK_WORKDIR:-$CACHE_ROOT/kwok}"
CLUSTER_DIR="$KWOK_WORKDIR/clusters/$NAME"
# Keep kubectl's discovery cache out of ~/.kube.
export KUBECACHEDIR="${KUBECACHEDIR:-$KWOK_WORKDIR/kubectl-cache}"
KUBECONFIG_PATH="$CLUSTER_DIR/glidepath.kubeconfig"
# Unroutable proxy: any HTTP(S) download kwokctl attempts fails immediately.
# Loopback is exempt (Go never proxies localhost anyway) so the components work.
BLACKHOLE_PROXY="http://127.0.0.1:9"

log() { printf '[kube-cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ms() { date +%s%3N; }

usage() { echo "usage: $0 up|down|kubeconfig" >&2; exit 2; }

# kwokctl with the network walled off and isolated from ~/.kube/config and ~/.kwok.
# fd 8 (our flock) is closed for it: the control-plane daemons it spawns would
# otherwise inherit the lock and hold it for the cluster's lifetime.
kwokctl_offline() {
  env HTTPS_PROXY="$BLACKHOLE_PROXY" HTTP_PROXY="$BLACKHOLE_PROXY" \
      https_proxy="$BLACKHOLE_PROXY" http_proxy="$BLACKHOLE_PROXY" \
      NO_PROXY="127.0.0.1,localhost,::1" no_proxy="127.0.0.1,localhost,::1" \
      KWOK_WORKDIR="$KWOK_WORKDIR" \
      kwokctl "$@" 8>&-
}

kc() { kubectl --kubeconfig "$KUBECONFIG_PATH" "$@"; }

cluster_exists() { [[ -e "$CLUSTER_DIR/kwok.yaml" ]]; }

cluster_healthy() {
  [[ -s "$KUBECONFIG_PATH" ]] || return 1
  kc get --raw /readyz --request-timeout=5s >/dev/null 2>&1 || return 1
  local ready
  ready="$(kc get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)"
  [[ "$ready" -ge "$NODES" ]]
}

resolve_bin() { # resolve_bin [--cached-only]
  local out
  out="$("$SCRIPT_DIR/kube-tools.sh" "$@")" || return 1
  BIN="$(tail -n 1 <<<"$out")"
  [[ -x "$BIN/kwokctl" ]] || die "kube-tools.sh returned '$BIN' without kwokctl"
  export PATH="$BIN:$PATH"   # kwokctl looks up kubectl on PATH
}

# Fail loudly if kwokctl left anything in its download cache or logged a proxy/download error.
check_no_downloads() {
  local logf="$1"
  if [[ -d "$KWOK_WORKDIR/cache" ]] && [[ -n "$(find "$KWOK_WORKDIR/cache" -type f 2>/dev/null | head -n 1)" ]]; then
    find "$KWOK_WORKDIR/cache" -type f >&2
    die "kwokctl downloaded files into $KWOK_WORKDIR/cache — some binary was not passed explicitly"
  fi
  if grep -Eiq '127\.0\.0\.1:9|proxyconnect|download' "$logf"; then
    grep -Ei '127\.0\.0\.1:9|proxyconnect|download' "$logf" >&2
    die "kwokctl attempted a download (see lines above); all binaries must be local"
  fi
}

wait_until() { # wait_until <timeout-seconds> <description> <command...>
  local timeout="$1" what="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || die "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
}

nodes_ready() {
  local ready
  ready="$(kc get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)"
  [[ "$ready" -ge "$NODES" ]]
}

apply_stages() {
  local stages="$BIN/../stages" files=() f
  [[ -d "$stages" ]] || die "KWOK stage manifests missing at $stages (rebuild with kube-tools.sh)"
  files+=("$stages/node/fast/node-initialize.yaml"
          "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml"
          "$stages/pod/fast/pod-ready.yaml"
          "$stages/pod/fast/pod-complete.yaml"
          "$stages/pod/fast/pod-delete.yaml")
  for f in "$stages"/pod/chaos/*.yaml "$REPO_ROOT"/test/fixtures/kube/stages/*.yaml; do
    [[ -f "$f" ]] && files+=("$f")
  done
  local args=() x
  for x in "${files[@]}"; do args+=(-f "$x"); done
  kc apply "${args[@]}" >&2
}

lock_cluster() {
  mkdir -p "$KWOK_WORKDIR"
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$KWOK_WORKDIR/.lock-$NAME"
    flock 8
  fi
}

cmd_up() {
  resolve_bin || die "scripts/kube-tools.sh failed"
  lock_cluster
  if cluster_exists; then
    if cluster_healthy; then
      log "cluster '$NAME' already up"
      printf '%s\n' "$KUBECONFIG_PATH"
      return 0
    fi
    log "cluster '$NAME' exists but is not healthy; recreating"
    cmd_down
  fi

  mkdir -p "$KWOK_WORKDIR"
  local t0 logf
  t0="$(ms)"
  logf="$(mktemp "${TMPDIR:-/tmp}/kwokctl-$NAME.XXXXXX.log")"
  log "creating cluster '$NAME' (KWOK_WORKDIR=$KWOK_WORKDIR, log $logf)"
  if ! kwokctl_offline create cluster \
      --name "$NAME" \
      --runtime binary \
      --etcd-binary "$BIN/etcd" \
      --kube-apiserver-binary "$BIN/kube-apiserver" \
      --kube-controller-manager-binary "$BIN/kube-controller-manager" \
      --kube-scheduler-binary "$BIN/kube-scheduler" \
      --kwok-controller-binary "$BIN/kwok" \
      --enable-crds Stage \
      --kubeconfig "$KUBECONFIG_PATH" \
      --timeout 5m \
      --wait 2m >"$logf" 2>&1; then
    cat "$logf" >&2
    check_no_downloads "$logf"
    kwokctl_offline delete cluster --name "$NAME" --kubeconfig "$KUBECONFIG_PATH" >/dev/null 2>&1 || true
    die "kwokctl create cluster failed"
  fi
  cat "$logf" >&2
  check_no_downloads "$logf"

  wait_until 60 "Stage CRD" kc get crd stages.kwok.x-k8s.io
  apply_stages

  log "scaling to $NODES fake nodes"
  kwokctl_offline scale node --name "$NAME" --replicas "$NODES" >"$logf" 2>&1 || { cat "$logf" >&2; die "kwokctl scale node failed"; }
  cat "$logf" >&2
  check_no_downloads "$logf"
  rm -f "$logf"

  wait_until 120 "$NODES Ready nodes" nodes_ready
  # Pods can only be created once the token controller made the default ServiceAccount.
  wait_until 60 "default ServiceAccount" kc -n default get serviceaccount default
  kc get nodes -o wide >&2

  local elapsed_ms=$(( $(ms) - t0 ))
  log "warm start took $(( elapsed_ms / 1000 )).$(printf '%03d' $(( elapsed_ms % 1000 )))s"
  printf '%s\n' "$KUBECONFIG_PATH"
}

cmd_down() {
  if ! cluster_exists; then
    log "cluster '$NAME' not present"
    return 0
  fi
  if [[ -z "${BIN:-}" ]] && ! resolve_bin --cached-only; then
    # No kwokctl available (cache wiped): stop the recorded processes ourselves.
    log "kwokctl not cached; stopping cluster '$NAME' from its pid files"
    local pidf
    for pidf in "$CLUSTER_DIR"/pids/*.pid; do
      [[ -f "$pidf" ]] && kill "$(cat "$pidf")" 2>/dev/null || true
    done
    rm -rf "$CLUSTER_DIR"
    return 0
  fi
  log "deleting cluster '$NAME'"
  kwokctl_offline delete cluster --name "$NAME" --kubeconfig "$KUBECONFIG_PATH" >&2
}

cmd_kubeconfig() {
  cluster_exists && [[ -s "$KUBECONFIG_PATH" ]] || die "cluster '$NAME' is not up (run: $0 up)"
  printf '%s\n' "$KUBECONFIG_PATH"
}

case "${1:-}" in
  up) cmd_up ;;
  down) lock_cluster; cmd_down ;;
  kubeconfig) cmd_kubeconfig ;;
  *) usage ;;
esac
