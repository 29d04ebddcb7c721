#!/usr/bin/env bash
# The GeoTIFFs the header and Parquet benchmarks read (made with GDAL, once):
# bench/make_cogs.sh OUT_DIR makes three COGs under OUT_DIR (single IFD; 4096 px with 5 overview
# levels and a mask; BigTIFF) and OUT_DIR/.complete last; a second run with it present does nothing.
set -euo pipefail
data="${1:?usage: bench/make_cogs.sh OUT_DIR}"
[[ -f "$data/.complete" ]] && exit 0
mkdir -p "$data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GDAL_PAM_ENABLED=NO
gdal_create -q -of GTiff -outsize 512 512 -bands 3 -ot Byte -burn 10 -burn 120 -burn 200 -co COMPRESS=DEFLATE \
  -a_srs EPSG:32633 -a_ullr 500000 4600000 505120 4594880 "$tmp/rgb.tif"
gdal_translate -q -of COG -co COMPRESS=DEFLATE -co OVERVIEWS=NONE "$tmp/rgb.tif" "$data/cog_single.tif"
gdal_create -q -of GTiff -outsize 4096 4096 -bands 4 -ot Byte -burn 30 -burn 60 -burn 90 -burn 255 \
  -co COMPRESS=DEFLATE -a_srs EPSG:32632 -a_ullr 300000 5000000 340960 4959040 "$tmp/rgba.tif"
gdal_translate -q -b 1 -b 2 -b 3 -mask 4 -co COMPRESS=DEFLATE "$tmp/rgba.tif" "$tmp/masked.tif"
gdal_translate -q -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=128 "$tmp/masked.tif" "$data/cog_5level_mask.tif"
gdal_create -q -of GTiff -outsize 2048 2048 -bands 1 -ot Float32 -burn 42.5 -a_nodata -9999 -co COMPRESS=DEFLATE \
  -a_srs EPSG:4326 -a_ullr 10 50 12 48 "$tmp/dem.tif"
gdal_translate -q -of COG -co COMPRESS=ZSTD -co PREDICTOR=YES -co BIGTIFF=YES "$tmp/dem.tif" "$data/cog_bigtiff.tif"
touch "$data/.complete"
