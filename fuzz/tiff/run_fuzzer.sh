#!/usr/bin/env bash
# CTest's `fuzz` test: seeds a corpus with the tiff fixtures (valid ones cut to their first
# 64 KiB, and the committed broken ones), then fuzzes for a bounded time.
# Usage: run_fuzzer.sh FUZZER SOURCE_DIR FIXTURES_DIR CORPUS_DIR SECONDS
set -euo pipefail
fuzzer=$1 src=$2 fixtures=$3 corpus=$4 seconds=$5
bash "$src/tests/fixtures/make_tiff_fixtures.sh" "$fixtures" >/dev/null
mkdir -p "$corpus"
for f in "$fixtures"/valid/*.tif; do head -c 65536 "$f" >"$corpus/seed_$(basename "$f")"; done
cp "$src"/tests/fixtures/broken/*.tif "$corpus/"
exec "$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus"
