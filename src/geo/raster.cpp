#include "geo/raster.hpp"

#include <algorithm>
#include <cmath>

#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::geo {
namespace {

constexpr std::uint16_t kRasterTypeGeoKey = 1025;
constexpr std::uint16_t kRasterPixelIsPoint = 2;

// A loaded numeric entry with at least `min_count` values, or null.
const tiff::Entry* numbers(const tiff::TiffHeader& h, const tiff::Ifd& ifd, std::uint16_t tag,
                           std::uint64_t min_count) noexcept {
  const tiff::Entry* e = h.find(ifd, tag);
  if (e == nullptr || !e->loaded || e->count < min_count) return nullptr;
  if (!tiff::is_numeric_type(e->type) || e->type == tiff::FieldType::kUndefined) return nullptr;
  return e;
}

bool pixel_is_point(const tiff::GeoKeySet& keys) noexcept {
  const tiff::GeoKey* k = keys.find(kRasterTypeGeoKey);
  if (k == nullptr || k->kind != tiff::GeoValueKind::kShort || k->size != 1) return false;
  return keys.shorts_of(*k)[0] == kRasterPixelIsPoint;
}

}  // namespace

std::optional<GeoTransform> geotransform(const tiff::TiffHeader& header, const tiff::Ifd& ifd,
                                         const tiff::GeoKeySet& geokeys) noexcept {
  const auto order = header.byte_order;
  GeoTransform gt{0, 1, 0, 0, 0, 1};
  bool found = false;
  const tiff::Entry* scale = numbers(header, ifd, tiff::tag::kModelPixelScale, 2);
  const double sx = scale != nullptr ? tiff::number_at(*scale, order, 0) : 0.0;
  const double sy = scale != nullptr ? tiff::number_at(*scale, order, 1) : 0.0;
  if (scale != nullptr && sx != 0.0 && sy != 0.0) {
    // GDAL: a valid scale decides, with or without a tiepoint (no fallback to the matrix).
    // A negative ScaleY is read as north-up (GDAL's default, against the GeoTIFF text).
    gt[1] = sx;
    gt[5] = sy < 0 ? sy : -sy;
    if (const tiff::Entry* tie = numbers(header, ifd, tiff::tag::kModelTiepoint, 6)) {
      // The first tiepoint (I, J, K, X, Y, Z): raster (I, J) is model (X, Y).
      const double i = tiff::number_at(*tie, order, 0);
      const double j = tiff::number_at(*tie, order, 1);
      gt[0] = tiff::number_at(*tie, order, 3) - i * gt[1];
      gt[3] = tiff::number_at(*tie, order, 4) - j * gt[5];
      found = true;
    }
  } else if (const tiff::Entry* m = numbers(header, ifd, tiff::tag::kModelTransformation, 16);
             m != nullptr && m->count == 16) {
    // Row-major 4x4: x = m0 I + m1 J + m3, y = m4 I + m5 J + m7.
    gt = {tiff::number_at(*m, order, 3), tiff::number_at(*m, order, 0), tiff::number_at(*m, order, 1),
          tiff::number_at(*m, order, 7), tiff::number_at(*m, order, 4), tiff::number_at(*m, order, 5)};
    found = true;
  }
  if (!found) return std::nullopt;
  if (pixel_is_point(geokeys)) {
    // The tiepoint names a pixel's centre: the grid's corner is half a pixel up and left.
    gt[0] -= 0.5 * gt[1] + 0.5 * gt[2];
    gt[3] -= 0.5 * gt[4] + 0.5 * gt[5];
  }
  if (!std::all_of(gt.begin(), gt.end(), [](double v) { return std::isfinite(v); })) return std::nullopt;
  return gt;
}

Box raster_bounds(const GeoTransform& gt, std::uint64_t width, std::uint64_t height) noexcept {
  const auto w = static_cast<double>(width);
  const auto h = static_cast<double>(height);
  const std::array<std::array<double, 2>, 4> corners = {apply(gt, 0, 0), apply(gt, w, 0), apply(gt, w, h),
                                                        apply(gt, 0, h)};
  Box b{corners[0][0], corners[0][1], corners[0][0], corners[0][1]};
  for (const auto& [x, y] : corners) {
    b.xmin = std::min(b.xmin, x);
    b.xmax = std::max(b.xmax, x);
    b.ymin = std::min(b.ymin, y);
    b.ymax = std::max(b.ymax, y);
  }
  return b;
}

std::optional<std::string_view> dtype(const tiff::TiffHeader& header, const tiff::Ifd& ifd) noexcept {
  const auto order = header.byte_order;
  // Every sample must share one size and one format (TIFF 6.0 defaults: 1 bit, unsigned).
  auto uniform = [&](std::uint16_t tag, std::uint64_t fallback) -> std::optional<std::uint64_t> {
    const tiff::Entry* e = header.find(ifd, tag);
    if (e == nullptr) return fallback;
    if (!e->loaded || e->count == 0 || !tiff::is_integer_type(e->type) || e->type == tiff::FieldType::kUndefined) {
      return std::nullopt;
    }
    const std::uint64_t first = tiff::uint_at(*e, order, 0);
    for (std::size_t i = 1; i < e->count; ++i) {
      if (tiff::uint_at(*e, order, i) != first) return std::nullopt;
    }
    return first;
  };
  const auto bits = uniform(tiff::tag::kBitsPerSample, 1);
  const auto format = uniform(tiff::tag::kSampleFormat, 1);
  if (!bits || !format || *bits == 0 || *bits > 128) return std::nullopt;
  auto by_width = [&](std::string_view b8, std::string_view b16, std::string_view b32,
                      std::string_view b64) -> std::optional<std::string_view> {
    if (*bits <= 8) return b8;
    if (*bits <= 16) return b16;
    if (*bits <= 32) return b32;
    if (*bits <= 64) return b64;
    return std::nullopt;
  };
  switch (*format) {
    case 1:  // unsigned integer
      return by_width("uint8", "uint16", "uint32", "uint64");
    case 2:  // two's complement signed integer
      return by_width("int8", "int16", "int32", "int64");
    case 3:  // IEEE floating point
      if (*bits == 16) return "float16";
      if (*bits == 24 || *bits == 32) return "float32";
      if (*bits == 64) return "float64";
      return std::nullopt;
    case 6:  // complex IEEE floating point: BitsPerSample counts both parts
      if (*bits == 64) return "complex64";
      if (*bits == 128) return "complex128";
      return std::nullopt;
    default:  // 4 void (untyped), 5 complex integer: numpy has no such type
      return std::nullopt;
  }
}

}  // namespace tdump::geo
