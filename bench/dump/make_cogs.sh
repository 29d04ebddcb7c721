#!/usr/bin/env bash
# A bucket-like tree of N COG keys for the end-to-end benchmark: 64 distinct COGs made with GDAL
# (sizes, band counts, data types, compressions, overview depths and masks vary, so headers do),
# hard-linked under N distinct keys, 1000 a folder. Cached: a second call with the same N is free.
#   make_cogs.sh DIR N
set -euo pipefail
dir=${1:?usage: make_cogs.sh DIR N}
n=${2:?usage: make_cogs.sh DIR N}
[[ -f "$dir/.complete-$n" ]] && exit 0
export GDAL_PAM_ENABLED=NO
mkdir -p "$dir/distinct" "$dir/tmp"
if [[ ! -f "$dir/distinct/.complete" ]]; then
  types=(Byte UInt16 Int16 Float32)
  comps=(DEFLATE LZW ZSTD NONE JPEG WEBP)
  for i in $(seq 0 63); do
    size=$((256 + (i % 8) * 384))
    type=${types[$((i % 4))]}
    comp=${comps[$((i % 6))]}
    bands=$((1 + (i % 3)))
    if [[ $comp == JPEG || $comp == WEBP ]]; then type=Byte; bands=3; fi
    burns=()
    for _ in $(seq "$bands"); do burns+=(-burn $((i * 3 % 250))); done
    gdal_create -q -of GTiff -outsize "$size" "$size" -bands "$bands" -ot "$type" "${burns[@]}" \
      -a_srs "EPSG:$((32601 + i % 60))" -a_ullr 500000 4600000 $((500000 + size * 10)) $((4600000 - size * 10)) \
      "$dir/tmp/src.tif"
    extra=()
    ((i % 5 == 0)) && extra+=(-mask 1)
    gdal_translate -q -of COG -co COMPRESS="$comp" -co BLOCKSIZE=$((i % 2 ? 256 : 512)) \
      -co BIGTIFF=$((i % 7 == 0 ? 1 : 0)) "${extra[@]}" "$dir/tmp/src.tif" "$dir/distinct/c$i.tif" 2>/dev/null ||
      gdal_translate -q -of COG -co COMPRESS=DEFLATE "$dir/tmp/src.tif" "$dir/distinct/c$i.tif"
  done
  touch "$dir/distinct/.complete"
fi
rm -rf "$dir/cogs" "$dir"/.complete-* "$dir/tmp"
mkdir -p "$dir/cogs"
# Hard links: N distinct keys (the tool must not cache by content), no N copies on disk.
python3 - "$dir" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
distinct = sorted(f for f in os.listdir(f"{d}/distinct") if f.endswith(".tif"))
with open(f"{d}/keys.txt", "w") as keys:
    for i in range(n):
        folder = f"{d}/cogs/d{i // 1000:04d}"
        if i % 1000 == 0:
            os.makedirs(folder, exist_ok=True)
        name = f"f{i:07d}.tif"
        os.link(f"{d}/distinct/{distinct[i % len(distinct)]}", f"{folder}/{name}")
        keys.write(f"d{i // 1000:04d}/{name}\n")
PY
touch "$dir/.complete-$n"
