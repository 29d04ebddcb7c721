#!/usr/bin/env bash
# Per-header cost of the derived geo columns: bench/geo/run.sh BUILD_DIR [benchmark flags]
# Makes a few small GeoTIFFs once (GDAL) under BUILD_DIR/bench/geo/data, then runs
# BUILD_DIR/bench/geo/bench_geo pinned to one core.
set -euo pipefail
build="${1:?usage: bench/geo/run.sh BUILD_DIR [benchmark flags]}"
data="$build/bench/geo/data"
if [[ ! -f "$data/.complete" ]]; then
  mkdir -p "$data"
  export GDAL_PAM_ENABLED=NO
  make() {  # make NAME SRS ULX ULY LRX LRY: a 10980 x 10980 px grid (a Sentinel-2 tile's size), 1 band
    gdal_create -q -of GTiff -outsize 10980 10980 -bands 1 -ot UInt16 -co SPARSE_OK=YES -co TILED=YES \
      -a_srs "$2" -a_ullr "$3" "$4" "$5" "$6" "$data/$1.tif"
  }
  make utm_32633 EPSG:32633 499980 4600020 609780 4490220
  make lonlat_4326 EPSG:4326 10 50 11 49
  make polar_3031_pole EPSG:3031 -1000000 1000000 1000000 -1000000
  make antimeridian_32660 EPSG:32660 600000 6000000 1000000 5600000
  make user_lcc "+proj=lcc +lat_1=33 +lat_2=45 +lat_0=23 +lon_0=-96 +x_0=0 +y_0=0 +datum=NAD83 +units=m" \
    100000 200000 209800 90200
  touch "$data/.complete"
fi
exec taskset -c 0 "$build/bench/geo/bench_geo" "$data" "${@:2}"
