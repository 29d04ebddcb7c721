#!/usr/bin/env bash
# End-to-end headers/s of `tiff-dumper headers` over N real COGs served by nginx on 127.0.0.1,
# side by side in one run with wrk sending the same range requests (the ceiling) and with a
# GDAL thread-pool dumper over /vsicurl/ (the peer a user would otherwise write). Then the peak
# RSS of runs over 10k, 100k and 1M keys taken from a key file.
#   bench/dump/run.sh BUILD_DIR        (e.g. build/release)
# Environment: KEYS (default 50000), CONCURRENCY (n_consumers = wrk connections, default 256),
#   DURATION (wrk seconds, default 10), GDAL_THREADS (16), GDAL_FILES (5000; 0 skips),
#   LISTING (1; 0 skips the WebDAV-listing run), MEMORY_KEYS ("10000 100000 1000000"; "" skips),
#   DATA (cache dir, default build/bench-data),
#   ROUNDS (default 3): side-by-side rounds, each a wrk run then a `headers --keys` run, for the
#     medians of req/s and CPU per request (user + sys: `times` for wrk, GNU time for ours),
#   LATENCY_MS (default 40; 0 skips), SLOW_CONCURRENCY (default 1024): the same rounds again with
#     nginx answering each request after LATENCY_MS (echo_sleep; no netem on this kernel),
#   IO_THREADS (fetch.io_threads, default 1; wrk gets as many threads),
#   PIN_SERVER / PIN_CLIENT (taskset CPU lists, e.g. 0 and 1; unset: no pinning),
#   PROFILE (set: one more --keys run under `perf record`, its CPU by stage; needs perf;
#     PERF_TOP=N also lists the N functions with the most samples of their own; PERF_DATA=FILE
#     keeps the perf.data for `perf report -i FILE`),
#   BASELINE (another tiff-dumper binary, e.g. a build before a change: its --keys runs alternate
#   with this build's, ROUNDS each, side by side in this run; unset skips; BASELINE=self: this
#   build again, e.g. with BASELINE_OWN_HTTP1=false),
#   OWN_HTTP1 / BASELINE_OWN_HTTP1 (fetch.own_http1 of this build's / the baseline's runs: true
#   or false; unset: the key is not written, so a build from before it takes it too).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
bin="$build/src/cli/tiff-dumper"
[[ -x "$bin" ]] || { echo "missing $bin: build first" >&2; exit 2; }
keys="${KEYS:-50000}"
own_http1="${OWN_HTTP1:-}"
conc="${CONCURRENCY:-256}"
duration="${DURATION:-10}"
gdal_threads="${GDAL_THREADS:-16}"
gdal_files="${GDAL_FILES:-5000}"
memory_keys="${MEMORY_KEYS-10000 100000 1000000}"
rounds="${ROUNDS:-3}"
latency_ms="${LATENCY_MS:-40}"
slow_conc="${SLOW_CONCURRENCY:-1024}"
io_threads="${IO_THREADS:-1}"
pin_server=()
pin_client=()
[[ -n "${PIN_SERVER:-}" ]] && pin_server=(taskset -c "$PIN_SERVER")
[[ -n "${PIN_CLIENT:-}" ]] && pin_client=(taskset -c "$PIN_CLIENT")
data="${DATA:-$here/../../build/bench-data}"
range=16384
latency_s=$(awk -v ms="$latency_ms" 'BEGIN {printf "%.3f", ms / 1000}')

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
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
daemon off; user root; worker_processes 1; worker_rlimit_nofile 65536;
pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 16384; }
http {
  access_log off; client_body_temp_path $work/tmp;
  keepalive_requests 100000000; keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port backlog=4096; root $1;
    location / { dav_ext_methods PROPFIND OPTIONS; }
    # Server latency added by nginx itself, then the same file (ranges included).
    location ~ ^/slow(/.*)\$ { echo_sleep $latency_s; echo_exec \$1; }
  }
}
CONF
  "${pin_server[@]}" nginx -c "$work/nginx.conf" -p "$work/" &
  nginx_pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
}

config() {  # config STORE_URL [MAX_BUFFER_SIZE WRITE_CHUNK_SIZE [N_CONSUMERS]]: the run's config file
  cat >"$work/config.yaml" <<YAML
store:
  name: $1
  options: {allow_http: true}
fetch:
  io_threads: $io_threads${own_http1:+
  own_http1: $own_http1}
concurrency:
  n_consumers: ${4:-$conc}
  list_chunk_size: $(( (${4:-$conc} + 999) / 1000 * 1000 ))
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
  local result
  result=$("${pin_client[@]}" /usr/bin/time -f 'wall=%e
rss_kb=%M
cpu=%U %S' "${tool:-$bin}" headers --quiet "$@" "$work/config.yaml" "$out" 2>&1) || true
  # A failed run says why (on stderr) instead of passing for a very fast one.
  if grep -q 'non-zero status' <<<"$result"; then grep -vE '^(wall|rss_kb|cpu)=' <<<"$result" | tail -5 >&2; fi
  grep -E '^(wall|rss_kb|cpu)=' <<<"$result" || true
}

"$here/make_cogs.sh" "$data" "$keys"
serve "$data"
config "http://127.0.0.1:$port/cogs"
sed 's|^|/cogs/|' "$data/keys.txt" >"$work/paths.txt"

med() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# One wrk run: "req/s cpu_us_per_request" (the CPU of its whole run, from the shell's `times`).
run_wrk() {  # run_wrk CONNECTIONS PATHS_FILE
  local out
  out=$("${pin_client[@]}" wrk -t"$io_threads" -c"$1" -d"${duration}s" -s "$here/../http/rotate.lua" \
    "http://127.0.0.1:$port" -- "$2" "bytes=0-$((range - 1))" 2>&1; times)
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then grep -E 'Non-2xx|Socket errors' <<<"$out" | sed 's/^/  wrk: /' >&2; fi
  local rps total cpu
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  cpu=$(tail -1 <<<"$out" | awk '{split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2]}')
  echo "$rps $(awk -v c="$cpu" -v n="$total" 'BEGIN {printf "%.1f", c * 1e6 / n}')"
}

# Rounds of wrk then `headers --keys`, alternating so that both see the same machine load;
# medians of req/s (headers/s) and of CPU per request (per header).
side_by_side() {  # side_by_side TITLE STORE_URL CONNECTIONS PATHS_FILE
  config "$2" "" "" "$3"
  echo "# $1: $keys keys, c=$3 (n_consumers = wrk connections), io_threads = wrk threads = $io_threads," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  printf '%-6s %9s %9s %6s %13s %13s %6s\n' round wrk_rps ours_h/s ratio wrk_cpu_us/r ours_cpu_us/h ratio
  local w_rps=() w_cpu=() o_rps=() o_cpu=() r wr wc o orate ocpu
  for r in $(seq "$rounds"); do
    read -r wr wc < <(run_wrk "$3" "$4")
    o=$(run_tool "$work/out-keys" --keys "$data/keys.txt")
    orate=$(awk -v n="$keys" -v s="$(seconds_of "$o")" 'BEGIN {printf "%.0f", n / s}')
    ocpu=$(awk -v n="$keys" -v s="$(cpu_of "$o")" 'BEGIN {printf "%.1f", s * 1e6 / n}')
    w_rps+=("$wr") w_cpu+=("$wc") o_rps+=("$orate") o_cpu+=("$ocpu")
    printf '%-6s %9s %9s %6s %13s %13s %6s\n' "$r" "$wr" "$orate" "$(ratio "$orate" "$wr")" "$wc" "$ocpu" \
      "$(ratio "$ocpu" "$wc")"
  done
  mw=$(med "${w_rps[@]}") mo=$(med "${o_rps[@]}")
  local mwc
  mwc=$(med "${w_cpu[@]}")
  moc=$(med "${o_cpu[@]}")
  printf '%-6s %9s %9s %6s %13s %13s %6s\n' median "$mw" "$mo" "$(ratio "$mo" "$mw")" "$mwc" "$moc" "$(ratio "$moc" "$mwc")"
  local rows
  rows=$(python3 - "$work/out-keys/_SUCCESS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["written_this_attempt"], m["errors_this_attempt"], m["requests"])
PY
)
  echo "  last run: rows written, errors, requests: $rows"
}

echo "# end to end: $keys COG keys (64 distinct COGs hard-linked), nginx 1 worker on 127.0.0.1, $(nproc) cores" \
  "${PIN_SERVER:+(nginx on CPU $PIN_SERVER)} ${PIN_CLIENT:+(clients on CPU $PIN_CLIENT)}"
echo "# ${range}-byte first range; wrk ${duration} s per round; $rounds rounds"
side_by_side "local" "http://127.0.0.1:$port/cogs" "$conc" "$work/paths.txt"
wrk_rps=$mw local_cpu=$moc
if [[ "$latency_ms" != 0 ]]; then
  sed 's|^|/slow|' "$work/paths.txt" >"$work/slow-paths.txt"
  side_by_side "${latency_ms} ms server latency (ideal $((slow_conc * 1000 / latency_ms)) req/s)" \
    "http://127.0.0.1:$port/slow/cogs" "$slow_conc" "$work/slow-paths.txt"
fi
config "http://127.0.0.1:$port/cogs"

if [[ -n "${PROFILE:-}" ]]; then
  # Where the CPU of one --keys run goes, stage by stage (bench/dump/perf_stages.py), scaled to
  # the median CPU per header of the local rounds above (perf's own overhead left out).
  config "http://127.0.0.1:$port/cogs"
  rm -rf "$work/out-prof"
  perf record -q -F 999 --call-graph dwarf,16384 -o "$work/perf.data" "${pin_client[@]}" "$bin" headers --quiet \
    --keys "$data/keys.txt" "$work/config.yaml" "$work/out-prof" >/dev/null 2>&1
  echo "# perf profile of one --keys run (c=$conc), stages scaled to the median local CPU per header ($local_cpu us)"
  perf script -i "$work/perf.data" -F tid,ip,sym,dso 2>/dev/null |
    python3 "$here/perf_stages.py" --hz 999 --headers "$keys" --cpu-us "$local_cpu"
  if [[ -n "${PERF_DATA:-}" ]]; then cp "$work/perf.data" "$PERF_DATA"; fi
  if [[ -n "${PERF_TOP:-}" ]]; then
    echo "# the $PERF_TOP functions with the most samples of their own (perf report --no-children)"
    perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null |
      grep -E '^ +[0-9]' | head -"$PERF_TOP"
  fi
fi

if [[ "${LISTING:-1}" != 0 ]]; then
  listed=$(run_tool "$work/out-list")
  rows=$(python3 - "$work/out-list/_SUCCESS" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["written_this_attempt"] + m["errors_this_attempt"], m["requests"], m["header_bytes"])
PY
)
  read -r done_rows requests bytes <<<"$rows"
  list_rate=$(awk -v n="$keys" -v s="$(seconds_of "$listed")" 'BEGIN {printf "%.0f", n / s}')
  printf '%-44s %10s %8s\n' "tiff-dumper headers, WebDAV listing" "$list_rate" "$(ratio "$list_rate" "$wrk_rps")"
  echo "rows $done_rows of $keys keys; requests/header $(awk -v r="$requests" -v n="$done_rows" 'BEGIN {printf "%.3f", r / n}'); bytes/header $(awk -v b="$bytes" -v n="$done_rows" 'BEGIN {printf "%.0f", b / n}')"
  echo "peak RSS of the ${keys}-key run: $(( $(rss_of "$listed") / 1024 )) MiB"
fi

if [[ "$gdal_files" != 0 ]]; then
  gdal_out=$(/usr/bin/python3 "$here/gdal_peer.py" "http://127.0.0.1:$port/cogs" "$data/keys.txt" "$gdal_threads" "$gdal_files")
  gdal_rate=$(sed -n 's/.*files_per_s=\([0-9]*\).*/\1/p' <<<"$gdal_out")
  printf '%-44s %10s %8s\n' "GDAL /vsicurl/ thread pool ($gdal_threads threads)" "$gdal_rate" "$(ratio "$gdal_rate" "$wrk_rps")"
  if [[ -n "${list_rate:-}" ]]; then echo "tiff-dumper vs GDAL: $(awk -v a="$list_rate" -v b="$gdal_rate" 'BEGIN {printf "%.1fx", a / b}')"; fi
fi

if [[ -n "${BASELINE:-}" ]]; then
  # This build against another binary on the same keys, alternating so that both see the same
  # machine load; also the process's CPU time (user + sys) per header, steadier than the rate on
  # a busy machine.
  [[ "$BASELINE" == self ]] && BASELINE=$bin
  echo "# --keys runs alternating with BASELINE=$BASELINE${BASELINE_OWN_HTTP1:+ (fetch.own_http1: $BASELINE_OWN_HTTP1)}," \
    "${ROUNDS:-3} rounds each${OWN_HTTP1:+; this build with fetch.own_http1: $OWN_HTTP1}"
  this_own=$own_http1
  printf '%-8s %14s %14s %18s %18s\n' "round" "this build h/s" "baseline h/s" "this CPU us/header" "base CPU us/header"
  these=() bases=() these_cpu=() bases_cpu=()
  for r in $(seq "$rounds"); do
    own_http1=$this_own config "http://127.0.0.1:$port/cogs"
    ta=$(run_tool "$work/out-a" --keys "$data/keys.txt")
    own_http1="${BASELINE_OWN_HTTP1:-}" config "http://127.0.0.1:$port/cogs"
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
  own_http1=$this_own config "http://127.0.0.1:$port/cogs"
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
