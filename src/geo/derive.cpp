#include "geo/derive.hpp"

#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::geo {

const GeoFacts& GeoDeriver::derive(const tiff::TiffHeader& header, const tiff::Ifd& ifd,
                                   const tiff::GeoKeySet& geokeys) {
  facts_.geotransform = geotransform(header, ifd, geokeys);
  facts_.bounds.reset();
  facts_.footprint.reset();
  facts_.dtype = dtype(header, ifd);
  facts_.crs = resolver_.resolve(geokeys);
  if (!facts_.geotransform) return facts_;
  const auto width = tiff::find_uint(header, ifd, tiff::tag::kImageWidth);
  const auto height = tiff::find_uint(header, ifd, tiff::tag::kImageLength);
  if (!width || !height) return facts_;
  facts_.bounds = raster_bounds(*facts_.geotransform, *width, *height);
  if (facts_.crs == nullptr) return facts_;
  Footprint footprint;
  if (builder_.build(*facts_.crs, *facts_.geotransform, *width, *height, footprint)) facts_.footprint = footprint;
  return facts_;
}

GeoDeriver& thread_geo_deriver() {
  thread_local GeoDeriver deriver(thread_crs_resolver());
  return deriver;
}

}  // namespace tdump::geo
