#!/usr/bin/env bash
# Listing at fleet scale (issue 10), side by side in one run against our own listing server
# (bench/list/list_server.py: S3 ListObjectsV2, every page answered after LATENCY seconds, LIST
# requests counted at /_stats), for two layouts of KEYS keys each:
#   tree  tiles/<zone>/<band>/<square>/<year>/<month>/<scene>/B01.tif (a Sentinel-2 COG bucket)
#   flat  flat/<16 hex digits>.tif (one folder)
# and three ways of listing with `tiff-dumper headers --dry-run`:
#   1 stream    concurrency.list_parallelism: 1
#   parallel    the default list_parallelism (or PARALLELISM)
#   plan        `headers --plan-only --shards N` (the shard plan in OUT_DIR: its sampling's time
#               and LIST requests)
#   N shards    then SHARDS processes `--shard i/N`, one after another, each reading that
#               plan (default parallelism): the slowest shard's time alone, every shard's LIST
#               requests summed plus the plan's
# For each: keys listed, seconds, keys/s, LIST requests, LIST requests per 1,000 keys, the speed-up
# over one stream, peak RSS (/usr/bin/time -v; the largest shard's for shards).
#
#   bench/list/run.sh BUILD_DIR_OR_BINARY
# Environment: KEYS (1000000), LATENCY (0.3), LAYOUTS ("tree flat"), SHARDS (4; 0 skips),
# PARALLELISM (unset: the default), SKIP_ONE_STREAM (1 skips the single stream: 10^6 keys take
# ~300 s at 0.3 s a page).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: run.sh BUILD_DIR_OR_BINARY}"
if [[ -d "$target" ]]; then bin="$(cd "$target" && pwd)/src/cli/tiff-dumper"; else bin="$target"; fi
[[ -x "$bin" ]] || { echo "missing $bin: build first" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
keys="${KEYS:-1000000}"
latency="${LATENCY:-0.3}"
layouts="${LAYOUTS:-tree flat}"
shards="${SHARDS:-4}"

work="$(mktemp -d "${TMPDIR:-/tmp}/tdump-bench-list.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

layout_args=()
for layout in $layouts; do layout_args+=(--layout "$layout"); done
python3 "$here/list_server.py" --port 0 --port-file "$work/port" --latency "$latency" --keys "$keys" \
  "${layout_args[@]}" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1200); do [[ -s "$work/port" ]] && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
[[ -s "$work/port" ]] || { cat "$work/server.log" >&2; echo "the listing server did not start" >&2; exit 1; }
port="$(cat "$work/port")"
stats_url="http://127.0.0.1:$port/_stats"

list_requests() {  # LIST requests to bucket $1 since the last reset
  python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]))["buckets"][sys.argv[2]]["list_requests"])' \
    "$stats_url" "$1"
}
reset_stats() { python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="POST")).read()' "$stats_url/reset"; }
peak_kib() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }
listed_of() { sed -n 's/.*dry run: \([0-9][0-9]*\) TIFF keys listed.*/\1/p' "$1" | tail -1; }

write_config() {  # $1 layout, $2 list_parallelism or "" for the default -> config path
  local cfg="$work/$1-${2:-default}.yaml" prefix
  case "$1" in tree) prefix="tiles/" ;; flat) prefix="flat/" ;; *) prefix="" ;; esac
  {
    echo "store:"
    echo "  name: s3://$1"
    echo "  prefixes: [\"$prefix\"]"
    echo "  obstore_config: {endpoint: \"http://127.0.0.1:$port\", allow_http: true, skip_signature: true, region: us-east-1}"
    if [[ -n "$2" ]]; then
      echo "concurrency:"
      echo "  list_parallelism: $2"
    fi
  } >"$cfg"
  echo "$cfg"
}

printf '%-5s %-12s %9s %8s %9s %7s %12s %8s %9s\n' layout mode keys seconds keys/s LIST LIST/1000keys "x 1-str" "RSS MiB"
declare -A one_stream_rate
report() {  # layout mode keys seconds list_requests rss_kib
  local rate per_k ratio base
  rate=$(awk -v k="$3" -v s="$4" 'BEGIN { printf "%.0f", (s > 0 ? k / s : 0) }')
  per_k=$(awk -v r="$5" -v k="$3" 'BEGIN { printf "%.2f", (k > 0 ? r * 1000 / k : 0) }')
  base="${one_stream_rate[$1]:-}"
  if [[ -n "$base" ]]; then ratio=$(awk -v r="$rate" -v b="$base" 'BEGIN { printf "%.1fx", r / b }'); else ratio="-"; fi
  printf '%-5s %-12s %9s %8.1f %9s %7s %12s %8s %9s\n' "$1" "$2" "$3" "$4" "$rate" "$5" "$per_k" "$ratio" \
    "$(($6 / 1024))"
}

run_one() {  # layout mode list_parallelism [shard args...]
  local layout="$1" mode="$2" parallelism="$3" cfg t0 t1 listed
  shift 3
  cfg="$(write_config "$layout" "$parallelism")"
  reset_stats
  t0=$(date +%s.%N)
  # An OUT_DIR of each run's own (a shard plan, when there is one, is written there).
  /usr/bin/time -v "$bin" headers --dry-run "$@" "$cfg" "$work/out-$layout-${parallelism:-default}" >"$work/run.log" 2>&1 || {
    cat "$work/run.log" >&2
    return 1
  }
  t1=$(date +%s.%N)
  listed="$(listed_of "$work/run.log")"
  local seconds
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  if [[ "$mode" == "1 stream" ]]; then
    one_stream_rate[$layout]=$(awk -v k="$listed" -v s="$seconds" 'BEGIN { printf "%.3f", k / s }')
  fi
  report "$layout" "$mode" "$listed" "$seconds" "$(list_requests "$layout")" "$(peak_kib "$work/run.log")"
}

run_shards() {  # layout
  local layout="$1" cfg t0 t1 total=0 worst_rss=0 i plan_requests shard_requests=0 slowest=0 per_shard=()
  cfg="$(write_config "$layout" "${PARALLELISM:-}")"
  # The plan first, once (`headers --plan-only`, a fleet's first step: shards started together
  # without one would each sample the bucket), then each shard reading it. The shards run one
  # after another, each timed alone: in a fleet each has its own machine and S3 scales with
  # them, while here one Python server answers every page (~100 pages/s of 1,000 keys, its
  # ceiling on this machine) and every process shares the same 2 cores.
  reset_stats
  t0=$(date +%s.%N)
  "$bin" headers --plan-only --shards "$shards" "$cfg" "$work/out-$layout-shards" >"$work/plan.log" 2>&1 || {
    cat "$work/plan.log" >&2
    return 1
  }
  t1=$(date +%s.%N)
  plan_requests="$(list_requests "$layout")"
  printf '%-5s %-12s %9s %8.1f %9s %7s %12s %8s %9s\n' "$layout" "plan" "-" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "-" "$plan_requests" "-" "-" "-"
  local seconds=()
  for ((i = 0; i < shards; i++)); do
    reset_stats
    t0=$(date +%s.%N)
    /usr/bin/time -v "$bin" headers --dry-run --shard "$i/$shards" "$cfg" "$work/out-$layout-shards" \
      >"$work/shard$i.log" 2>&1 || { cat "$work/shard$i.log" >&2; return 1; }
    t1=$(date +%s.%N)
    seconds+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')")
    slowest=$(awk -v a="$slowest" -v b="${seconds[-1]}" 'BEGIN { print (b > a ? b : a) }')
    shard_requests=$((shard_requests + $(list_requests "$layout")))
    per_shard+=("$(listed_of "$work/shard$i.log")")
    total=$((total + per_shard[-1]))
    local rss
    rss="$(peak_kib "$work/shard$i.log")"
    ((rss > worst_rss)) && worst_rss=$rss
  done
  report "$layout" "$shards shards" "$total" "$slowest" "$((shard_requests + plan_requests))" "$worst_rss"
  echo "      each shard alone: keys ${per_shard[*]}; seconds ${seconds[*]}"
}

for layout in $layouts; do
  if [[ "${SKIP_ONE_STREAM:-0}" != 1 ]]; then run_one "$layout" "1 stream" 1; fi
  run_one "$layout" "parallel${PARALLELISM:+ $PARALLELISM}" "${PARALLELISM:-}"
  if ((shards > 0)); then run_shards "$layout"; fi
done
echo "($keys keys a layout, ${latency} s a page, $(nproc) cores; shards: the slowest shard alone (after the plan), LIST summed over the shards and the plan)"
