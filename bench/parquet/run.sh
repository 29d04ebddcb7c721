#!/usr/bin/env bash
# Parquet writer throughput (see docs/parquet.md "Performance"): bench/parquet/run.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: bench/parquet/run.sh BUILD_DIR}"
exec taskset -c 0 "$build/bench/parquet/bench_parquet" --benchmark_counters_tabular=true "${@:2}"
