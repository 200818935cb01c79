#!/usr/bin/env bash
# kube-tools.sh — build (once) and cache a pinned, real Kubernetes control plane
# for tests: etcd + kube-apiserver + kube-controller-manager + kube-scheduler +
# kubectl, plus KWOK (kwok, kwokctl) to simulate nodes and pods.
#
# Everything is compiled from the Go module proxy (no release tarballs, no
# Docker). Binaries land in
#   $GLIDEPATH_CACHE/kube/v<k8s>-etcd<etcd>-kwok<kwok>/bin/
# (GLIDEPATH_CACHE defaults to $HOME/.cache/glidepath). The directory is built
# under a temporary name and renamed into place only when complete, so an
# interrupted build is never mistaken for a cached one.
#
# Usage: scripts/kube-tools.sh                # prints the bin dir on the last stdout line
#        scripts/kube-tools.sh --cached-only  # same, but exit 1 instead of building
# All progress/log output goes to stderr.
#
# Pinned versions (override only deliberately; the cache key changes with them):
#   GLIDEPATH_K8S_VERSION  (default 1.36.3)  — k8s.io/kubernetes v1.36.3, staging modules v0.36.3
#   GLIDEPATH_ETCD_VERSION (default 3.6.16)  — go.etcd.io/etcd/server/v3 v3.6.16
#   GLIDEPATH_KWOK_VERSION (default 0.8.0)   — sigs.k8s.io/kwok v0.8.0 (built against k8s 1.36 libs)
set -euo pipefail

K8S_VERSION="${GLIDEPATH_K8S_VERSION:-1.36.3}"
ETCD_VERSION="${GLIDEPATH_ETCD_VERSION:-3.6.16}"
KWOK_VERSION="${GLIDEPATH_KWOK_VERSION:-0.8.0}"
K8S_VERSION="${K8S_VERSION#v}"; ETCD_VERSION="${ETCD_VERSION#v}"; KWOK_VERSION="${KWOK_VERSION#v}"

CACHE_ROOT="${GLIDEPATH_CACHE:-$HOME/.cache/glidepath}"
KEY="v${K8S_VERSION}-etcd${ETCD_VERSION}-kwok${KWOK_VERSION}"
KUBE_ROOT="$CACHE_ROOT/kube"
DEST="$KUBE_ROOT/$KEY"
BINARIES=(kwok kwokctl etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)

log() { printf '[kube-tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

is_complete() {
  local dir="$1" b
  [[ -f "$dir/.complete" ]] || return 1
  for b in "${BINARIES[@]}"; do [[ -x "$dir/bin/$b" ]] || return 1; done
}

if is_complete "$DEST"; then
  log "cached: $DEST/bin"
  printf '%s\n' "$DEST/bin"
  exit 0
fi
if [[ "${1:-}" == "--cached-only" ]]; then
  log "not cached: $DEST (run scripts/kube-tools.sh to build)"
  exit 1
fi

command -v go >/dev/null 2>&1 || die "go is not on PATH (need Go >= 1.26)"

mkdir -p "$KUBE_ROOT"
# Serialise concurrent builders (parallel CI jobs / test runners).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$KUBE_ROOT/.lock"
  log "waiting for build lock $KUBE_ROOT/.lock"
  flock 9
  if is_complete "$DEST"; then
    log "cached (built by another process): $DEST/bin"
    printf '%s\n' "$DEST/bin"
    exit 0
  fi
fi

# Persistent Go caches under the glidepath cache so fresh clones reuse them.
export GOMODCACHE="${GLIDEPATH_GOMODCACHE:-$CACHE_ROOT/go/mod}"
export GOCACHE="${GLIDEPATH_GOCACHE:-$CACHE_ROOT/go/build}"
export GOFLAGS="-buildvcs=false -modcacherw"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GO111MODULE=on
export GOPROXY="${GOPROXY:-https://proxy.golang.org,direct}"
mkdir -p "$GOMODCACHE" "$GOCACHE"

log "building $KEY (go $(go env GOVERSION), GOMODCACHE=$GOMODCACHE, GOCACHE=$GOCACHE)"
START=$(date +%s)

TMP="$(mktemp -d "$KUBE_ROOT/.tmp-$KEY.XXXXXX")"
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
mkdir -p "$TMP/bin" "$TMP/work"
OUT="$TMP/bin"

step_time() { log "  ... $1 done in $(( $(date +%s) - $2 ))s"; }

# ---- KWOK: module has no replace directives, so `go install pkg@version` works
t=$(date +%s)
log "[1/3] kwok + kwokctl v$KWOK_VERSION"
GOBIN="$OUT" go install -trimpath -ldflags='-s -w' \
  "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@v$KWOK_VERSION" >&2
# Keep the version-matched stage manifests (default + general + chaos) next to bin/.
KWOK_DIR="$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[[ -d "$KWOK_DIR/kustomize/stage" ]] || die "kwok module source not found ($KWOK_DIR)"
cp -R "$KWOK_DIR/kustomize/stage" "$TMP/stages"
chmod -R u+w "$TMP/stages"
step_time kwok "$t"

# ---- etcd: server/v3's go.mod has local replaces, so build through a wrapper module
t=$(date +%s)
log "[2/3] etcd v$ETCD_VERSION"
W="$TMP/work/etcd"; mkdir -p "$W"
(
  cd "$W"
  go mod init glidepath.local/etcdbuild >&2
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go build -trimpath \
    -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" \
    -o "$OUT/etcd" go.etcd.io/etcd/server/v3 >&2
)
step_time etcd "$t"

# ---- Kubernetes: k8s.io/kubernetes requires staging modules at v0.0.0 with
# local replaces; map each to its published v0.N.P tag in a wrapper module.
t=$(date +%s)
log "[3/3] kube-apiserver, kube-controller-manager, kube-scheduler, kubectl v$K8S_VERSION"
MINOR="$(cut -d. -f2 <<<"$K8S_VERSION")"
STAGING_VERSION="v0.${K8S_VERSION#*.}"
K8S_CMDS=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
          k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
W="$TMP/work/k8s"; mkdir -p "$W"
(
  cd "$W"
  go mod init glidepath.local/k8sbuild >&2
  K8S_GOMOD="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$K8S_GOMOD" ]] || die "could not download go.mod of k8s.io/kubernetes@v$K8S_VERSION"
  mods="$(sed -n 's|^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*|\1|p' "$K8S_GOMOD")"
  [[ -n "$mods" ]] || die "no staging replaces found in $K8S_GOMOD"
  args=()
  for m in $mods; do args+=("-replace=$m=$m@$STAGING_VERSION"); done
  log "  replacing $(wc -w <<<"$mods") staging modules with $STAGING_VERSION"
  go mod edit "${args[@]}"
  # Mirror k8s's godebug settings so runtime behaviour matches upstream builds.
  while read -r gd; do
    [[ -n "$gd" ]] && go mod edit "-godebug=$gd"
  done < <(sed -n 's/^godebug[[:space:]]\{1,\}\([^()[:space:]]*=[^[:space:]]*\)$/\1/p' "$K8S_GOMOD")
  # `go get` the main packages (not just the module): the module root has no
  # package, so only this records go.sum entries for the whole import graph.
  go get "${K8S_CMDS[@]/%/@v$K8S_VERSION}" >&2
  vflags=""
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    vflags+=" -X '$pkg.gitVersion=v$K8S_VERSION' -X '$pkg.gitMajor=1' -X '$pkg.gitMinor=$MINOR'"
    vflags+=" -X '$pkg.gitTreeState=clean' -X '$pkg.buildDate=1970-01-01T00:00:00Z'"
  done
  go build -trimpath -ldflags "-s -w$vflags" -o "$OUT/" "${K8S_CMDS[@]}" >&2
  cp go.mod go.sum "$TMP/" # record the resolved module graph for reproducibility
)
step_time kubernetes "$t"

# ---- sanity-check versions before publishing the directory
check_version() {
  local bin="$1" want="$2" got
  got="$("$OUT/$bin" "${@:3}" 2>&1 | head -n 3 | tr '\n' ' ')"
  [[ "$got" == *"$want"* ]] || die "$bin reports '$got', expected '$want'"
  log "  $bin: $got"
}
check_version kube-apiserver "v$K8S_VERSION" --version
check_version kube-controller-manager "v$K8S_VERSION" --version
check_version kube-scheduler "v$K8S_VERSION" --version
check_version kubectl "v$K8S_VERSION" version --client
check_version etcd "$ETCD_VERSION" --version
check_version kwokctl "$KWOK_VERSION" --version
check_version kwok "$KWOK_VERSION" --version

ELAPSED=$(( $(date +%s) - START ))
{
  echo "k8s=v$K8S_VERSION etcd=v$ETCD_VERSION kwok=v$KWOK_VERSION"
  echo "go=$(go env GOVERSION) built=$(date -u +%Y-%m-%dT%H:%M:%SZ) cold_build_seconds=$ELAPSED"
} > "$TMP/BUILD-INFO"
rm -rf "$TMP/work"
chmod 755 "$TMP"
touch "$TMP/.complete"

# Atomic publish: rename the finished temp dir into place.
rm -rf "$DEST"
mv -T "$TMP" "$DEST"
trap - EXIT
log "cold build took ${ELAPSED}s"
log "installed: $DEST/bin"
printf '%s\n' "$DEST/bin"
