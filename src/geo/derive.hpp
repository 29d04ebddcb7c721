#pragma once
// Everything "where is this raster" for IFD 0 of one parsed header, in one call: the
// geotransform, the bounds in the file's CRS, the CRS (EPSG code, PROJJSON), the lon/lat bbox
// and footprint polygon, and the pixel type. One GeoDeriver per thread: it owns the thread's CRS
// cache and scratch space, so a warm call allocates nothing.
#include <optional>
#include <string_view>

#include "geo/crs.hpp"
#include "geo/footprint.hpp"
#include "geo/raster.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::geo {

struct GeoFacts {
  std::optional<GeoTransform> geotransform;
  std::optional<Box> bounds;  // in the file's CRS, x = easting or longitude (GDAL's GIS order)
  const Crs* crs = nullptr;   // null without a CRS; owned by the deriver's resolver
  // The lon/lat bbox and footprint: both or neither (GeoParquet: a row has a bbox covering if
  // and only if it has a geometry).
  std::optional<Footprint> footprint;
  std::optional<std::string_view> dtype;
};

class GeoDeriver {
 public:
  explicit GeoDeriver(CrsResolver& resolver) : resolver_(resolver) {}

  // The facts of `ifd` (IFD 0). The result, and the strings it points to, stay valid until the
  // next call on this deriver (or until the resolver is cleared).
  const GeoFacts& derive(const tiff::TiffHeader& header, const tiff::Ifd& ifd, const tiff::GeoKeySet& geokeys);

  [[nodiscard]] CrsResolver& resolver() noexcept { return resolver_; }

 private:
  CrsResolver& resolver_;
  FootprintBuilder builder_;
  GeoFacts facts_;
};

// The calling thread's deriver (over thread_crs_resolver()).
GeoDeriver& thread_geo_deriver();

}  // namespace tdump::geo
