#!/usr/bin/env bash
# Runs a command with the project's Node.js (and the npm that runs on it) first on PATH.
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$root/tools/node-bin.sh")
[ -n "$dir" ] || { echo "No Node.js >= 22.19 found: run 'make setup' first." >&2; exit 1; }
PATH="$dir:$PATH" exec "$@"
