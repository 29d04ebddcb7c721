#!/usr/bin/env bash
# Builds the embedded sample store of the demo: a folder of small GeoTIFFs, COGs and one
# BigTIFF made with GDAL, no network needed. Usage: scripts/make-samples.sh OUT_DIR
set -euo pipefail
out=${1:?usage: make-samples.sh OUT_DIR}
[[ -f "$out/.complete" ]] && exit 0
rm -rf "$out"
mkdir -p "$out/cogs" "$out/geotiff" "$out/other"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GDAL_PAM_ENABLED=NO

# A 512x512 3-band byte image in UTM 33N and a 1-band float DEM in WGS84.
gdal_create -of GTiff -outsize 512 512 -bands 3 -ot Byte -burn 10 -burn 120 -burn 200 \
  -a_srs EPSG:32633 -a_ullr 500000 4600000 505120 4594880 "$tmp/rgb.tif" >/dev/null
gdal_create -of GTiff -outsize 600 400 -bands 1 -ot Float32 -burn 42.5 -a_nodata -9999 \
  -a_srs EPSG:4326 -a_ullr 10 50 11.5 49 "$tmp/dem.tif" >/dev/null

gdal_translate -q -of COG -co COMPRESS=DEFLATE -co BLOCKSIZE=256 "$tmp/rgb.tif" "$out/cogs/rgb_deflate.tif"
gdal_translate -q -of COG -co COMPRESS=LZW -co PREDICTOR=YES "$tmp/dem.tif" "$out/cogs/dem_lzw.tif"
gdal_translate -q -of COG -co COMPRESS=ZSTD -co BIGTIFF=YES "$tmp/dem.tif" "$out/cogs/dem_bigtiff.tif"
gdal_translate -q -of GTiff -co TILED=NO "$tmp/rgb.tif" "$out/geotiff/rgb_strips.tif"
gdal_translate -q -of GTiff -co ENDIANNESS=BIG -co TILED=YES "$tmp/dem.tif" "$out/geotiff/dem_bigendian.TIFF"
cp "$tmp/rgb.tif" "$tmp/rgb_ovr.tif"
gdaladdo -q -r average "$tmp/rgb_ovr.tif" 2 4 8
gdal_translate -q -of GTiff -co TILED=YES -co COPY_SRC_OVERVIEWS=YES -co COMPRESS=JPEG -co PHOTOMETRIC=YCBCR \
  "$tmp/rgb_ovr.tif" "$out/geotiff/rgb_jpeg_overviews.tif"
printf 'not a tiff at all\n' >"$out/other/readme.txt"
printf 'II*\0\377\377\377\377' >"$out/other/broken.tif"
touch "$out/.complete"
echo "samples: $(find "$out" -type f -name '*.[tT][iI][fF]*' | wc -l) TIFFs in $out"
