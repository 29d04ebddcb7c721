#!/usr/bin/env bash
# The README's first command ends here: build the embedded sample store and run
# `tiff-dumper headers` on it, then show one header in full.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/src/cli/tiff-dumper}
out=build/demo-output
scripts/make-samples.sh build/samples
rm -rf "$out"
status=0
"$bin" headers examples/samples.yaml "$out" || status=$?
# Exit code 1 means "done, with per-file errors": the samples include a broken TIFF on purpose.
if [[ $status -ne 0 && $status -ne 1 ]]; then exit "$status"; fi
echo
echo "The rows are in $out/part-*.parquet, the failures in $out/errors-*.parquet; e.g. with DuckDB:"
echo "  duckdb -c \"SELECT path, image_width, image_height, compression, geokeys.projected_type FROM '$out/part-*.parquet'\""
echo
echo "One header in full (tiff-dumper inspect):"
# (inspect may get SIGPIPE once head has its 1500 bytes: not a failure of the demo)
{ "$bin" inspect build/samples/cogs/rgb_deflate.tif || true; } | head -c 1500
echo
echo
echo "A page about the run (tiff-dumper report; self-contained, open it in any browser):"
"$bin" report "$out" --output "$out/report.html" >/dev/null
echo "  $(pwd)/$out/report.html"
