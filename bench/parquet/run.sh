#!/usr/bin/env bash
# Parquet output throughput (see docs/parquet.md "Performance"): bench/parquet/run.sh BUILD_DIR [benchmark flags]
# Builds nothing: makes the benchmark GeoTIFFs once (bench/make_cogs.sh, shared with bench/tiff),
# then runs BUILD_DIR/bench/parquet/bench_parquet over them, pinned to one core.
set -euo pipefail
build="${1:?usage: bench/parquet/run.sh BUILD_DIR [benchmark flags]}"
data="$build/bench/tiff/data"
"$(dirname "$0")/../make_cogs.sh" "$data"
exec taskset -c 0 "$build/bench/parquet/bench_parquet" "$data" --benchmark_counters_tabular=true "${@:2}"
