#!/usr/bin/env bash
# Builds the test binaries (kube-apiserver, kube-controller-manager, kubectl, etcd, restic, MinIO,
# fake-gcs-server) from the wrapper modules beside this script into a cache outside the repository:
#   ${CAIRN_CACHE:-~/.cache/cairn}/bin/<module>-<version>/<binary>
# A binary already in the cache is not rebuilt. Usage: build.sh [kubernetes|etcd|restic|minio|fake-gcs-server]...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
. "$here/versions.env"
cache=${CAIRN_CACHE:-$HOME/.cache/cairn}
export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0

die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go >= 1.26 (https://go.dev/dl) and put it on PATH; it builds the test binaries."
  local v; v=$(go env GOVERSION | sed 's/^go//')
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
    die "Go $v is too old: the Kubernetes $KUBERNETES_VERSION wrapper module needs Go >= 1.26. Install a newer Go and retry."
  fi
}

# build NAME VERSION BINARIES... -- PACKAGES... [-- EXTRA go build flags]
build() {
  local name=$1 version=$2; shift 2
  local bins=() pkgs=() flags=()
  while [ "$1" != "--" ]; do bins+=("$1"); shift; done; shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do pkgs+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; flags=("$@"); }
  local out="$cache/bin/$name-$version" missing=0 b
  for b in "${bins[@]}"; do [ -x "$out/$b" ] || missing=1; done
  if [ $missing -eq 0 ]; then printf 'setup: %-16s %s cached\n' "$name" "$version"; return; fi
  grep -q " $version\$\| $version " "$here/$name/go.mod" || die "tools/testbin/$name/go.mod does not require $version from versions.env; update it (for kubernetes: run tools/testbin/kubernetes/derive-go-mod.sh)."
  need_go
  printf 'setup: %-16s %s building (cold builds take minutes) ...\n' "$name" "$version"
  local start=$SECONDS tmp="$out.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  local log="$cache/bin/$name-$version.build.log"
  if ! (cd "$here/$name" && go build -trimpath -o "$tmp/" "${flags[@]}" "${pkgs[@]}") >"$log" 2>&1; then
    rm -rf "$tmp"
    if grep -qiE 'dial tcp|no such host|i/o timeout|connection refused|proxy' "$log"; then
      tail -n 20 "$log" >&2
      die "building $name failed: the Go module proxy could not be reached (GOPROXY=$(go env GOPROXY)). Check network access to it and retry."
    fi
    tail -n 40 "$log" >&2
    die "building $name $version failed; the whole log is $log"
  fi
  # go names a binary after its package path; etcd's main package is go.etcd.io/etcd/server/v3.
  if [ "$name" = etcd ] && [ -f "$tmp/server" ]; then mv "$tmp/server" "$tmp/etcd"; fi
  rm -rf "$out"; mv "$tmp" "$out"
  printf 'setup: %-16s %s built in %ds\n' "$name" "$version" $((SECONDS - start))
}

k8s_ldflags() {
  local v=${KUBERNETES_VERSION#v} minor
  minor=$(echo "$v" | cut -d. -f2)
  echo "-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
}

want=("$@")
[ ${#want[@]} -gt 0 ] || want=(kubernetes etcd restic minio fake-gcs-server)
mkdir -p "$cache/bin"
for w in "${want[@]}"; do
  case $w in
    kubernetes) build kubernetes "$KUBERNETES_VERSION" kube-apiserver kube-controller-manager kubectl -- \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl \
      -- -ldflags "$(k8s_ldflags)" ;;
    etcd) build etcd "$ETCD_VERSION" etcd -- go.etcd.io/etcd/server/v3 -- -ldflags "-s -w" ;;
    restic) build restic "$RESTIC_VERSION" restic -- github.com/restic/restic/cmd/restic \
      -- -ldflags "-s -w" -tags disable_grpc_modules ;;
    minio) build minio "$MINIO_VERSION" minio -- github.com/minio/minio -- -ldflags "-s -w" ;;
    fake-gcs-server) build fake-gcs-server "$FAKE_GCS_SERVER_VERSION" fake-gcs-server -- github.com/fsouza/fake-gcs-server -- -ldflags "-s -w" ;;
    *) die "unknown binary '$w': expected kubernetes, etcd, restic, minio or fake-gcs-server" ;;
  esac
done
