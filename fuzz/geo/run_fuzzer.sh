#!/usr/bin/env bash
# CTest's `fuzz` test of src/geo: seeds a corpus with the geo and tiff fixtures (first 64 KiB),
# then fuzzes for a bounded time.
# Usage: run_fuzzer.sh FUZZER SOURCE_DIR GEO_FIXTURES_DIR TIFF_FIXTURES_DIR CORPUS_DIR SECONDS
set -euo pipefail
fuzzer=$1 src=$2 geo=$3 tiff=$4 corpus=$5 seconds=$6
bash "$src/tests/fixtures/make_geo_fixtures.sh" "$geo" >/dev/null
bash "$src/tests/fixtures/make_tiff_fixtures.sh" "$tiff" >/dev/null
mkdir -p "$corpus"
for f in "$geo"/geo/*.tif "$tiff"/valid/crs_*.tif "$tiff"/valid/cog_deflate_rgb.tif; do
  head -c 65536 "$f" >"$corpus/seed_$(basename "$f")"
done
exec "$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus"
