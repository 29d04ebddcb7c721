#!/usr/bin/env python3
"""The peer a user would otherwise write: a thread pool of GDAL opens over /vsicurl/, reading
the same header facts tiff-dumper records (size, bands, types, blocks, overviews, CRS, nodata,
metadata). Prints files/s. Usage: gdal_peer.py BASE_URL KEYS_FILE THREADS [LIMIT]"""
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from osgeo import gdal

gdal.UseExceptions()
# GDAL's own advice for cloud reads: no directory listing on open, only .tif through curl.
gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
gdal.SetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".tif,.TIF,.tiff")
gdal.SetConfigOption("GDAL_INGESTED_BYTES_AT_OPEN", "16384")
gdal.SetConfigOption("VSI_CACHE", "FALSE")
gdal.SetConfigOption("CPL_VSIL_CURL_CACHE_SIZE", "0")


def header(url):
    ds = gdal.Open("/vsicurl/" + url)
    band = ds.GetRasterBand(1)
    row = (
        ds.RasterXSize,
        ds.RasterYSize,
        ds.RasterCount,
        band.DataType,
        band.GetBlockSize(),
        band.GetOverviewCount(),
        band.GetNoDataValue(),
        ds.GetProjection(),
        ds.GetGeoTransform(),
        ds.GetMetadata("IMAGE_STRUCTURE"),
    )
    ds = None
    return row


def main():
    base, keys_file, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    with open(keys_file) as f:
        keys = [line.strip() for line in f if line.strip()]
    if limit:
        keys = keys[:limit]
    start = time.monotonic()
    failures = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for result in pool.map(lambda k: _safe(base + "/" + k), keys):
            failures += result is None
    seconds = time.monotonic() - start
    print(f"files={len(keys)} failures={failures} seconds={seconds:.2f} files_per_s={len(keys) / seconds:.0f}")


def _safe(url):
    try:
        return header(url)
    except RuntimeError:
        return None


if __name__ == "__main__":
    main()
