#pragma once
// Where the pixels of IFD 0 lie in the file's CRS, and what type they are: pure functions over
// a parsed header (no PROJ here; see crs.hpp and footprint.hpp for the CRS side).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::geo {

// GDAL's affine geotransform: x = gt[0] + col * gt[1] + row * gt[2],
//                             y = gt[3] + col * gt[4] + row * gt[5].
using GeoTransform = std::array<double, 6>;

// The geotransform of `ifd` as GDAL's GTiff driver derives it with its default settings
// (docs/geo.md): ModelPixelScale + the first ModelTiepoint first (a negative ScaleY is taken as
// north-up, GTIFF_HONOUR_NEGATIVE_SCALEY unset); else a 16-value ModelTransformation; then, for
// GTRasterTypeGeoKey = PixelIsPoint, the half-pixel shift of GTIFF_POINT_GEO_IGNORE=FALSE.
// nullopt when the file has no such georeferencing (several tiepoints without a scale are GCPs,
// which have no geotransform), or when a value is not finite.
[[nodiscard]] std::optional<GeoTransform> geotransform(const tiff::TiffHeader& header, const tiff::Ifd& ifd,
                                                       const tiff::GeoKeySet& geokeys) noexcept;

struct Box {
  double xmin = 0;
  double ymin = 0;
  double xmax = 0;
  double ymax = 0;
  friend bool operator==(const Box&, const Box&) = default;
};

// The extent of the four corners of a width x height raster through `gt`, in the CRS's units.
[[nodiscard]] Box raster_bounds(const GeoTransform& gt, std::uint64_t width, std::uint64_t height) noexcept;

// The pixel (col, row) -> (x, y) of the geotransform.
[[nodiscard]] inline std::array<double, 2> apply(const GeoTransform& gt, double col, double row) noexcept {
  return {gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]};
}

// numpy's name of the sample type of `ifd` (SampleFormat + BitsPerSample, every sample alike):
// uint8/16/32/64 (unsigned, 1..64 bits rounded up to the next size, as GDAL reads them), int8/16/
// 32/64, float16/32/64 (IEEE, 24-bit floats read as float32 as GDAL does), complex64/complex128
// (complex IEEE). nullopt where numpy has no such type (complex integers, void samples, widths
// over 64, samples of differing formats or sizes).
[[nodiscard]] std::optional<std::string_view> dtype(const tiff::TiffHeader& header, const tiff::Ifd& ifd) noexcept;

}  // namespace tdump::geo
