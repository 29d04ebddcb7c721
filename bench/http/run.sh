#!/usr/bin/env bash
# Ranged GETs/s of the HTTP engine alone against nginx on 127.0.0.1, side by side with wrk
# sending the same requests (same paths, same Range, same concurrency) in the same run.
#   bench/http/run.sh BUILD_DIR            (e.g. build/release)
# Environment: DURATION (s per run, default 5), ROUNDS (alternating wrk/engine runs whose medians
#              are reported, default 3), FILES (default 2000), CONCURRENCY (default "64 256"),
#              SLOW_CONCURRENCY (default 1024), LOOPS (engine loops = wrk threads, default 1),
#              LIBCURL (default 1: each round also runs the engine with own_http1 off, so its own
#              HTTP/1.1 path and libcurl are side by side; 0 skips).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
load="$build/bench/http/http_load"
[[ -x "$load" ]] || { echo "missing $load: build the http_load target first" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not installed (scripts/install-deps.sh --test)" >&2; exit 2; }

duration="${DURATION:-5}"
rounds="${ROUNDS:-3}"
files="${FILES:-2000}"
concurrencies="${CONCURRENCY:-64 256}"
slow_concurrency="${SLOW_CONCURRENCY:-1024}"
loops="${LOOPS:-1}"
libcurl="${LIBCURL:-1}"
range_bytes=16384

work="$(mktemp -d "${TMPDIR:-/tmp}/tdump-http-bench.XXXXXX")"
nginx_pid=""
cleanup() {
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# $files distinct real files of 64 KiB of random bytes.
mkdir -p "$work/root/files" "$work/tmp"
head -c $((files * 65536)) /dev/urandom | (cd "$work/root/files" && split -b 65536 -a 5 -d - f)
(cd "$work/root/files" && ls) | sed 's|^|/files/|' >"$work/paths.txt"
sed 's|^/files/|/slow/files/|' "$work/paths.txt" >"$work/slow-paths.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
daemon off; user root; worker_processes 1; worker_rlimit_nofile 65536;
pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 16384; }
http {
  access_log off; client_body_temp_path $work/tmp;
  keepalive_requests 100000000; keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port backlog=4096; root $work/root;
    location /files/ { }
    # 40 ms of latency added by nginx itself (no netem on this kernel), then the same file.
    location ~ ^/slow(/files/.*)\$ { echo_sleep 0.04; echo_exec \$1; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work/" &
nginx_pid=$!
# Ready, and the delayed location serves ranges (python3: no dependency on the code under test).
check=$(python3 - "$port" "$range_bytes" <<'PY'
import sys, time, urllib.request
port, size = sys.argv[1], int(sys.argv[2])
for _ in range(100):
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/slow/files/f00000", headers={"Range": f"bytes=0-{size - 1}"})
        with urllib.request.urlopen(req) as r:
            print(r.status, len(r.read()))
        break
    except OSError:
        time.sleep(0.05)
PY
)
[[ "$check" == "206 $range_bytes" ]] || { echo "nginx setup check failed: $check" >&2; exit 1; }

# wrk: requests/s and the CPU seconds it used (GNU time), per request.
run_wrk() {  # concurrency paths-file
  local c=$1 paths=$2 out
  # `times` in the subshell prints the CPU its children (wrk) used: "0m1.234s 0m0.567s" (user, sys).
  out=$(wrk -t"$loops" -c"$c" -d"${duration}s" -s "$here/rotate.lua" "http://127.0.0.1:$port" -- "$paths" \
          "bytes=0-$((range_bytes - 1))" 2>&1; times)
  local rps cpu errors total
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  cpu=$(tail -1 <<<"$out" | awk '{split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2]}')
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '%s %s %s\n' "$rps" "$(awk -v c="$cpu" -v n="$total" 'BEGIN {printf "%.2f", c * 1e6 / n}')" "${errors:-none}"
}

# http_load: requests/s and CPU per request (getrusage, measured after its warm-up).
run_engine() {  # concurrency paths-file own_http1(1|0)
  local out
  out=$("$load" --base-url "http://127.0.0.1:$port" --paths "$2" --range "$range_bytes" --concurrency "$1" \
        --duration "$duration" --warmup 2 --loops "$loops" --own-http1 "${3:-1}")
  local rps cpu
  rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$out")
  cpu=$(sed -n 's/.*cpu_us_per_request=\([0-9.]*\).*/\1/p' <<<"$out")
  printf '%s %s %s\n' "$rps" "$cpu" "$out"
}

curl_version() {
  local v
  v=$(strings "$(ldd "$load" | awk '/libcurl/ {print $3}')" | grep -o 'libcurl/[0-9.]*' | head -1) || true
  echo "${v:-libcurl}"
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "# HTTP engine vs wrk: ${range_bytes}-byte ranged GETs over $files files of 64 KiB, nginx 1 worker on 127.0.0.1,"
echo "# ${duration}s per run, $rounds alternating rounds (medians), engine loops = wrk threads = $loops,"
echo "# $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start, $(curl_version)"
printf '%-26s %10s %11s %7s %15s %15s' scenario wrk_rps engine_rps ratio wrk_cpu_us/req eng_cpu_us/req
[[ "$libcurl" == 0 ]] && echo || printf ' %11s %7s %15s\n' libcurl_rps ratio curl_cpu_us/req
report() {  # name concurrency paths
  local w_rps=() w_cpu=() e_rps=() e_cpu=() l_rps=() l_cpu=() line
  for _ in $(seq "$rounds"); do
    read -r a b c < <(run_wrk "$2" "$3")
    w_rps+=("$a") w_cpu+=("$b")
    [[ "$c" == none ]] || echo "  wrk: $c"
    read -r a b line < <(run_engine "$2" "$3" 1)
    e_rps+=("$a") e_cpu+=("$b")
    echo "  engine: $line" >>"$work/engine.log"
    if [[ "$libcurl" != 0 ]]; then
      read -r a b line < <(run_engine "$2" "$3" 0)
      l_rps+=("$a") l_cpu+=("$b")
      echo "  engine (libcurl): $line" >>"$work/engine.log"
    fi
  done
  local wr wc er ec lr lc
  wr=$(printf '%s\n' "${w_rps[@]}" | median) wc=$(printf '%s\n' "${w_cpu[@]}" | median)
  er=$(printf '%s\n' "${e_rps[@]}" | median) ec=$(printf '%s\n' "${e_cpu[@]}" | median)
  printf '%-26s %10s %11s %7s %15s %15s' "$1" "$wr" "$er" "$(awk -v e="$er" -v w="$wr" 'BEGIN {printf "%.2f", e / w}')" \
    "$wc" "$ec"
  if [[ "$libcurl" != 0 ]]; then
    lr=$(printf '%s\n' "${l_rps[@]}" | median) lc=$(printf '%s\n' "${l_cpu[@]}" | median)
    printf ' %11s %7s %15s\n' "$lr" "$(awk -v e="$lr" -v w="$wr" 'BEGIN {printf "%.2f", e / w}')" "$lc"
  else
    echo
  fi
  echo "  rounds: wrk ${w_rps[*]} | engine ${e_rps[*]}${l_rps:+ | libcurl ${l_rps[*]}}"
}
for c in $concurrencies; do report "local c=$c" "$c" "$work/paths.txt"; done
report "40ms latency c=$slow_concurrency" "$slow_concurrency" "$work/slow-paths.txt"
echo "# ideal at 40 ms and c=$slow_concurrency: $((slow_concurrency * 25)) req/s"
echo "# engine details (connections opened, handles, retries):"
cat "$work/engine.log"
