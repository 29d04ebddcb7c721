#!/usr/bin/env bash
# End-to-end headers/s of `tiff-dumper headers` over N real COGs served by nginx on 127.0.0.1,
# side by side in one run with wrk sending the same range requests (the ceiling) and with a
# GDAL thread-pool dumper over /vsicurl/ (the peer a user would otherwise write). Then the peak
# RSS of runs over 10k, 100k and 1M keys taken from a key file.
#   bench/dump/run.sh BUILD_DIR        (e.g. build/release)
# Environment: KEYS (default 50000), CONCURRENCY (n_consumers = wrk connections, default 256),
#   DURATION (wrk seconds, default 10), GDAL_THREADS (16), GDAL_FILES (5000),
#   MEMORY_KEYS ("10000 100000 1000000"; "" skips), DATA (cache dir, default build/bench-data),
#   BASELINE (another tiff-dumper binary, e.g. a build before a change: its --keys runs alternate
#   with this build's, ROUNDS (default 3) each, side by side in this run; unset skips).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
bin="$build/src/cli/tiff-dumper"
[[ -x "$bin" ]] || { echo "missing $bin: build first" >&2; exit 2; }
keys="${KEYS:-50000}"
conc="${CONCURRENCY:-256}"
duration="${DURATION:-10}"
gdal_threads="${GDAL_THREADS:-16}"
gdal_files="${GDAL_FILES:-5000}"
memory_keys="${MEMORY_KEYS-10000 100000 1000000}"
data="${DATA:-$here/../../build/bench-data}"
range=16384

work="$(mktemp -d "${TMPDIR:-/tmp}/tdump-e2e-bench.XXXXXX")"
nginx_pid=""
cleanup() {
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

serve() {  # serve DIR: nginx (1 worker, WebDAV listing) on a free port; sets $port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$work/tmp"
  cat >"$work/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
daemon off; user root; worker_processes 1; worker_rlimit_nofile 65536;
pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 16384; }
http {
  access_log off; client_body_temp_path $work/tmp;
  keepalive_requests 100000000; keepalive_timeout 300s;
  server { listen 127.0.0.1:$port backlog=4096; root $1; location / { dav_ext_methods PROPFIND OPTIONS; } }
}
CONF
  nginx -c "$work/nginx.conf" -p "$work/" &
  nginx_pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
}

config() {  # config STORE_URL [MAX_BUFFER_SIZE WRITE_CHUNK_SIZE]: the run's config file
  cat >"$work/config.yaml" <<YAML
store:
  name: $1
  options: {allow_http: true}
concurrency:
  n_consumers: $conc
  list_chunk_size: 1000
  write_chunk_size: ${3:-100000}
  max_buffer_size: ${2:-1000000}
YAML
}

seconds_of() { awk '/^wall=/ {split($0, a, "="); print a[2]}' <<<"$1"; }
cpu_of() { awk '/^cpu=/ {split($0, a, "="); split(a[2], t, " "); print t[1] + t[2]}' <<<"$1"; }
rss_of() { awk '/^rss_kb=/ {split($0, a, "="); print a[2]}' <<<"$1"; }
run_tool() {  # run_tool OUT ARGS...: wall seconds and peak RSS of one run (of $tool, default $bin)
  local out=$1
  shift
  rm -rf "$out"
  /usr/bin/time -f 'wall=%e
rss_kb=%M
cpu=%U %S' "${tool:-$bin}" headers --quiet "$@" "$work/config.yaml" "$out" 2>&1 | grep -E '^(wall|rss_kb|cpu)=' || true
}

"$here/make_cogs.sh" "$data" "$keys"
serve "$data"
config "http://127.0.0.1:$port/cogs"
sed 's|^|/cogs/|' "$data/keys.txt" >"$work/paths.txt"

echo "# end to end: $keys COG keys (64 distinct COGs hard-linked), nginx 1 worker on 127.0.0.1, $(nproc) cores"
echo "# concurrency $conc (n_consumers = wrk connections), ${range}-byte first range"

wrk_out=$(wrk -t1 -c"$conc" -d"${duration}s" -s "$here/../http/rotate.lua" "http://127.0.0.1:$port" -- \
  "$work/paths.txt" "bytes=0-$((range - 1))")
wrk_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$wrk_out")

listed=$(run_tool "$work/out-list")
keyed=$(run_tool "$work/out-keys" --keys "$data/keys.txt")
rows=$(python3 - "$work/out-list/_SUCCESS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["written_this_attempt"] + m["errors_this_attempt"], m["requests"], m["header_bytes"])
PY
)
read -r done_rows requests bytes <<<"$rows"
list_s=$(seconds_of "$listed")
keys_s=$(seconds_of "$keyed")
list_rate=$(awk -v n="$keys" -v s="$list_s" 'BEGIN {printf "%.0f", n / s}')
keys_rate=$(awk -v n="$keys" -v s="$keys_s" 'BEGIN {printf "%.0f", n / s}')

gdal_out=$(/usr/bin/python3 "$here/gdal_peer.py" "http://127.0.0.1:$port/cogs" "$data/keys.txt" "$gdal_threads" "$gdal_files")
gdal_rate=$(sed -n 's/.*files_per_s=\([0-9]*\).*/\1/p' <<<"$gdal_out")

printf '%-44s %10s %8s\n' "" "headers/s" "ratio"
printf '%-44s %10s %8s\n' "wrk, same 16 KiB range GETs (ceiling)" "$wrk_rps" "1.00"
printf '%-44s %10s %8s\n' "tiff-dumper headers, WebDAV listing" "$list_rate" \
  "$(awk -v a="$list_rate" -v b="$wrk_rps" 'BEGIN {printf "%.2f", a / b}')"
printf '%-44s %10s %8s\n' "tiff-dumper headers --keys (no listing)" "$keys_rate" \
  "$(awk -v a="$keys_rate" -v b="$wrk_rps" 'BEGIN {printf "%.2f", a / b}')"
printf '%-44s %10s %8s\n' "GDAL /vsicurl/ thread pool ($gdal_threads threads)" "$gdal_rate" \
  "$(awk -v a="$gdal_rate" -v b="$wrk_rps" 'BEGIN {printf "%.2f", a / b}')"
echo "tiff-dumper vs GDAL: $(awk -v a="$list_rate" -v b="$gdal_rate" 'BEGIN {printf "%.1fx", a / b}')"
echo "rows $done_rows of $keys keys; requests/header $(awk -v r="$requests" -v n="$done_rows" 'BEGIN {printf "%.3f", r / n}'); bytes/header $(awk -v b="$bytes" -v n="$done_rows" 'BEGIN {printf "%.0f", b / n}')"
echo "peak RSS of the ${keys}-key run: $(( $(rss_of "$listed") / 1024 )) MiB"

if [[ -n "${BASELINE:-}" ]]; then
  # This build against another binary on the same keys, alternating so that both see the same
  # machine load; also the process's CPU time (user + sys) per header, steadier than the rate on
  # a busy machine.
  echo "# --keys runs alternating with BASELINE=$BASELINE, ${ROUNDS:-3} rounds each"
  printf '%-8s %14s %14s %18s %18s\n' "round" "this build h/s" "baseline h/s" "this CPU us/header" "base CPU us/header"
  these=() bases=() these_cpu=() bases_cpu=()
  for r in $(seq "${ROUNDS:-3}"); do
    ta=$(run_tool "$work/out-a" --keys "$data/keys.txt")
    tb=$(tool="$BASELINE" run_tool "$work/out-b" --keys "$data/keys.txt")
    ra=$(awk -v n="$keys" -v s="$(seconds_of "$ta")" 'BEGIN {printf "%.0f", n / s}')
    rb=$(awk -v n="$keys" -v s="$(seconds_of "$tb")" 'BEGIN {printf "%.0f", n / s}')
    ca=$(awk -v n="$keys" -v s="$(cpu_of "$ta")" 'BEGIN {printf "%.1f", s * 1e6 / n}')
    cb=$(awk -v n="$keys" -v s="$(cpu_of "$tb")" 'BEGIN {printf "%.1f", s * 1e6 / n}')
    these+=("$ra") bases+=("$rb") these_cpu+=("$ca") bases_cpu+=("$cb")
    printf '%-8s %14s %14s %18s %18s\n' "$r" "$ra" "$rb" "$ca" "$cb"
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
  ma=$(med "${these[@]}") mb=$(med "${bases[@]}")
  echo "median CPU per header: this build $(med "${these_cpu[@]}") us, baseline $(med "${bases_cpu[@]}") us"
  size_of() { find "$1" -name 'part-*.parquet' -printf '%s\n' | awk -v n="$keys" '{s += $1} END {printf "%.1f", s / n}'; }
  echo "output bytes/row (data files): this build $(size_of "$work/out-a"), baseline $(size_of "$work/out-b")"
  echo "median: this build $ma h/s ($(awk -v a="$ma" -v w="$wrk_rps" 'BEGIN {printf "%.2f", a / w}') of wrk), baseline $mb h/s ($(awk -v a="$mb" -v w="$wrk_rps" 'BEGIN {printf "%.2f", a / w}') of wrk), ratio $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')"
  rm -rf "$work/out-a" "$work/out-b"
fi

if [[ -n "$memory_keys" ]]; then
  # Memory is bounded by max_buffer_size (queued keys) and write_chunk_size (rows per file in
  # memory), not by the run's size: with the original's defaults (1,000,000 and 100,000) it grows
  # until those fill; with smaller settings it stays flat from the first thousand keys.
  echo "# peak RSS by run size (keys from a file)"
  printf '%10s  %-40s %-40s\n' "keys" "max_buffer_size 1000000, write_chunk 100000" "max_buffer_size 10000, write_chunk 10000"
  for n in $memory_keys; do
    "$here/make_cogs.sh" "$data" "$n"
    config "http://127.0.0.1:$port/cogs"
    big=$(run_tool "$work/out-mem" --keys "$data/keys.txt")
    config "http://127.0.0.1:$port/cogs" 10000 10000
    small=$(run_tool "$work/out-mem" --keys "$data/keys.txt")
    printf '%10s  %-40s %-40s\n' "$n" "$(( $(rss_of "$big") / 1024 )) MiB, $(seconds_of "$big") s" \
      "$(( $(rss_of "$small") / 1024 )) MiB, $(seconds_of "$small") s"
  done
  rm -rf "$work/out-mem"
fi
