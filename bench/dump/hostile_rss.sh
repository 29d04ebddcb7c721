#!/usr/bin/env bash
# Peak RSS of `tiff-dumper headers` under the two memory attacks of issue 8, with the default
# config (only what each case names is changed):
#   keys: ListObjectsV2 pages of 1,000 keys of 60 KB each (tests/support/lying_s3.py, KEYS keys
#         in all) while every object GET stalls; the run is stopped (two SIGTERMs) after SECONDS.
#   tags: FILES TIFFs with one 16 MB private tag each (hard links of one file), local store,
#         n_consumers 8 (so what is measured is the rows held, not the reads in flight).
#   bench/dump/hostile_rss.sh BUILD_DIR_OR_BINARY
# Environment: KEYS (25000), KEY_BYTES (60000), SECONDS_KEYS (40), FILES (100), TAG_BYTES (16000000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: hostile_rss.sh BUILD_DIR_OR_BINARY}"
if [[ -d "$target" ]]; then bin="$(cd "$target" && pwd)/src/cli/tiff-dumper"; else bin="$target"; fi
[[ -x "$bin" ]] || { echo "missing $bin: build first" >&2; exit 2; }
keys="${KEYS:-25000}"
key_bytes="${KEY_BYTES:-60000}"
seconds="${SECONDS_KEYS:-40}"
files="${FILES:-100}"
tag_bytes="${TAG_BYTES:-16000000}"

work="$(mktemp -d "${TMPDIR:-/tmp}/tdump-hostile-rss.XXXXXX")"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A 1x1 TIFF with one private UNDEFINED tag (65000) of $1 bytes.
make_tiff() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
n, path = int(sys.argv[1]), sys.argv[2]
entries = [(256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
           (273, 4, 1, 8), (277, 3, 1, 1), (278, 3, 1, 1), (279, 4, 1, 1)]
ifd_at = 10
value_at = ifd_at + 2 + 12 * (len(entries) + 1) + 4
out = bytearray(b"II*\0" + struct.pack("<I", ifd_at) + b"\0\0")
out += struct.pack("<H", len(entries) + 1)
for tag, typ, count, value in entries:
    out += struct.pack("<HHI", tag, typ, count) + (struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value))
out += struct.pack("<HHII", 65000, 7, n, value_at) + struct.pack("<I", 0)
out += b"\x5a" * n
open(path, "wb").write(out)
PY
}

peak_kib() { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }

# --- keys: long keys in full pages, GETs stalled -------------------------------------------
make_tiff 1000 "$work/small.tif"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/spec.json" <<JSON
{"bucket": "lying", "page_size": 1000, "stall_gets": 3600,
 "generate": {"count": $keys, "key_bytes": $key_bytes, "prefix": "gen/", "file": "$work/small.tif"}}
JSON
python3 "$here/../../tests/support/lying_s3.py" --port "$port" --spec "$work/spec.json" &
server_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
cat >"$work/keys.yaml" <<YAML
store:
  name: s3://lying
  obstore_config: {endpoint: "http://127.0.0.1:$port", allow_http: true, skip_signature: true, region: us-east-1}
YAML
/usr/bin/time -v "$bin" headers --quiet "$work/keys.yaml" "$work/out-keys" 2>"$work/keys.time" &
time_pid=$!
sleep "$seconds"
dumper=$(pgrep -P "$time_pid" || true)
[[ -n "$dumper" ]] && kill -TERM "$dumper" && sleep 1 && kill -TERM "$dumper" 2>/dev/null || true
wait "$time_pid" || true
echo "keys: $keys keys of $key_bytes bytes, pages of 1000, GETs stalled, stopped after ${seconds}s:" \
  "peak RSS $(( $(peak_kib "$work/keys.time") / 1024 )) MiB"
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true
server_pid=""

# --- tags: one 16 MB tag per file ----------------------------------------------------------
mkdir -p "$work/tags"
make_tiff "$tag_bytes" "$work/tags/f0.tif"
for i in $(seq 1 $((files - 1))); do ln "$work/tags/f0.tif" "$work/tags/f$i.tif"; done
cat >"$work/tags.yaml" <<YAML
store:
  name: $work/tags
concurrency:
  n_consumers: 8
YAML
/usr/bin/time -v "$bin" headers --quiet "$work/tags.yaml" "$work/out-tags" 2>"$work/tags.time" || true
echo "tags: $files files with one $tag_bytes-byte tag each (n_consumers 8):" \
  "peak RSS $(( $(peak_kib "$work/tags.time") / 1024 )) MiB, exit $(awk -F: '/Exit status/ {gsub(/ /,"",$2); print $2}' "$work/tags.time")"
