#!/usr/bin/env bash
# Runs every benchmark side by side with its peers; see README "Performance".
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*/run.sh; do
  [[ -x "$b" ]] && "$b" build/release
done
