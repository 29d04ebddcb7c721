#!/usr/bin/python3
"""The independent oracle of the geo tests: GDAL (osgeo) and rasterio read each file.

Reads on stdin a JSON array of {"path", "projjson", "wkb"} (our PROJJSON text and our footprint as
hex WKB, or null), and prints a JSON array with, per file, what GDAL and rasterio say:
  geotransform   GDAL's GetGeoTransform (null when it has none)
  epsg           rasterio's CRS.to_epsg(confidence_threshold=100) (null when none)
  has_crs        whether GDAL gives the raster (or its GCPs) a CRS
  same_crs       GDAL's OSRIsSame(file CRS, our PROJJSON) (null without one of them)
  bounds         rasterio's dataset bounds, as (xmin, ymin, xmax, ymax)
  bbox           rasterio.warp.transform_bounds(crs, EPSG:4326, *bounds, densify_pts=21)
  dtype          numpy name of GDAL's band data type (null where numpy has none)
  geometry       checks of our WKB with OGR: valid, its envelope, and its symmetric difference
                 with GDAL's own footprint (the raster outline densified with 21 points per edge,
                 transformed with OGR and cut at the antimeridian) relative to that footprint's area
Runs with Debian's python3 (python3-gdal, python3-rasterio).
"""
import json
import sys
import warnings

from osgeo import gdal, ogr, osr
import rasterio
from rasterio.crs import CRS
from rasterio.warp import transform_bounds

gdal.UseExceptions()
osr.UseExceptions()
ogr.UseExceptions()
warnings.filterwarnings("ignore")
gdal.PushErrorHandler("CPLQuietErrorHandler")

NUMPY = {
    "Byte": "uint8", "Int8": "int8", "UInt16": "uint16", "Int16": "int16", "UInt32": "uint32",
    "Int32": "int32", "UInt64": "uint64", "Int64": "int64", "Float32": "float32",
    "Float64": "float64", "CFloat32": "complex64", "CFloat64": "complex128",
}


def dtype_of(ds):
    band = ds.GetRasterBand(1)
    name = gdal.GetDataTypeName(band.DataType)
    if name == "Byte" and band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE":
        return "int8"
    return NUMPY.get(name)


def gdal_footprint(ds, srs, gt):
    """The raster outline, 22 points per edge from each corner, in lon/lat, cut at 180."""
    w, h = ds.RasterXSize, ds.RasterYSize
    corners = [(0, 0), (0, h), (w, h), (w, 0)]
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for c in range(4):
        (c0, r0), (c1, r1) = corners[c], corners[(c + 1) % 4]
        for i in range(22):
            t = i / 22
            col, row = c0 + (c1 - c0) * t, r0 + (r1 - r0) * t
            ring.AddPoint_2D(gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5])
    ring.CloseRings()
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    src = srs.Clone()
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, dst)
    transformer = ogr.GeomTransformer(ct, ["WRAPDATELINE=YES"])
    return transformer.Transform(poly)


def main():
    requests = json.load(sys.stdin)
    results = []
    for req in requests:
        path = req["path"]
        res = {"path": path}
        ds = gdal.Open(path)
        gt = ds.GetGeoTransform(can_return_null=True)
        res["geotransform"] = list(gt) if gt is not None else None
        srs = ds.GetSpatialRef() or ds.GetGCPSpatialRef()
        res["has_crs"] = srs is not None
        res["dtype"] = dtype_of(ds)
        with rasterio.open(path) as r:
            crs = r.crs if r.crs is not None else (r.gcps[1] if r.gcps and r.gcps[1] else None)
            res["epsg"] = CRS.from_wkt(crs.to_wkt()).to_epsg(confidence_threshold=100) if crs else None
            res["bounds"] = list(r.bounds) if gt is not None else None
            res["bbox"] = None
            if gt is not None and r.crs is not None:
                try:
                    # The extent (rasterio keeps bottom > top for a south-up raster).
                    left, bottom, right, top = r.bounds
                    extent = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
                    res["bbox"] = list(transform_bounds(r.crs, "EPSG:4326", *extent, densify_pts=21))
                except Exception as e:  # noqa: BLE001 - reported, the test decides
                    res["bbox_error"] = str(e)
        res["same_crs"] = None
        if srs is not None and req.get("projjson"):
            ours = osr.SpatialReference()
            ours.SetFromUserInput(req["projjson"])
            res["same_crs"] = bool(srs.IsSame(ours, ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]))
            res["ours_wkt"] = ours.ExportToWkt(["FORMAT=WKT2_2019", "MULTILINE=NO"])
            res["gdal_wkt"] = srs.ExportToWkt(["FORMAT=WKT2_2019", "MULTILINE=NO"])
        if req.get("wkb"):
            geom = ogr.CreateGeometryFromWkb(bytes.fromhex(req["wkb"]))
            check = {"type": geom.GetGeometryName(), "valid": geom.IsValid(),
                     "envelope": list(geom.GetEnvelope()), "area": geom.GetArea()}
            if gt is not None and ds.GetSpatialRef() is not None:
                ref = gdal_footprint(ds, ds.GetSpatialRef(), gt)
                check["reference_area"] = ref.GetArea()
                check["reference_valid"] = ref.IsValid()
                if ref.IsValid() and geom.IsValid() and ref.GetArea() > 0:
                    check["symdiff_ratio"] = geom.SymDifference(ref).GetArea() / ref.GetArea()
            res["geometry"] = check
        results.append(res)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
