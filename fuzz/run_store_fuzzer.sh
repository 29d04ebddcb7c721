#!/usr/bin/env bash
# CTest's fuzz_<target> tests: replay the committed seeds, then fuzz for a bounded time. New
# inputs go to WORK_DIR/corpus (libFuzzer writes only into its first corpus directory), crash,
# leak and timeout inputs to WORK_DIR/ (their names start with crash-, leak-, timeout-, oom-).
# Usage: run_store_fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS MAX_LEN [DICT]
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4 max_len=$5 dict=${6:-}
mkdir -p "$work/corpus"
args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/")
if [[ -n $dict ]]; then args+=(-dict="$dict"); fi
exec "$fuzzer" "${args[@]}" "$work/corpus" "$seeds"
