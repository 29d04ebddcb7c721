#!/usr/bin/env bash
# Header parsing from memory, ours vs libtiff: bench/tiff/run.sh BUILD_DIR [benchmark flags]
# Builds nothing: makes the benchmark GeoTIFFs once (bench/make_cogs.sh) under
# BUILD_DIR/bench/tiff/data, then runs BUILD_DIR/bench/tiff/bench_tiff.
set -euo pipefail
build="${1:?usage: bench/tiff/run.sh BUILD_DIR [benchmark flags]}"
data="$build/bench/tiff/data"
"$(dirname "$0")/../make_cogs.sh" "$data"
exec taskset -c 0 "$build/bench/tiff/bench_tiff" "$data" "${@:2}"
