#include "tiff/geokeys.hpp"

#include <fmt/format.h>

#include <array>

#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {
namespace {

using V = GeoValueKind;
// Ids from the GeoTIFF 1.1 standard (OGC 19-008r4), names as the original tool wrote them.
constexpr std::array<GeoKeyInfo, 45> kGeoKeys{{
    {1024, "model_type", V::kShort},
    {1025, "raster_type", V::kShort},
    {1026, "citation", V::kAscii},
    {2048, "geographic_type", V::kShort},
    {2049, "geog_citation", V::kAscii},
    {2050, "geog_geodetic_datum", V::kShort},
    {2051, "geog_prime_meridian", V::kShort},
    {2052, "geog_linear_units", V::kShort},
    {2053, "geog_linear_unit_size", V::kDouble},
    {2054, "geog_angular_units", V::kShort},
    {2055, "geog_angular_unit_size", V::kDouble},
    {2056, "geog_ellipsoid", V::kShort},
    {2057, "geog_semi_major_axis", V::kDouble},
    {2058, "geog_semi_minor_axis", V::kDouble},
    {2059, "geog_inv_flattening", V::kDouble},
    {2060, "geog_azimuth_units", V::kShort},
    {2061, "geog_prime_meridian_long", V::kDouble},
    {3072, "projected_type", V::kShort},
    {3073, "proj_citation", V::kAscii},
    {3074, "projection", V::kShort},
    {3075, "proj_coord_trans", V::kShort},
    {3076, "proj_linear_units", V::kShort},
    {3077, "proj_linear_unit_size", V::kDouble},
    {3078, "proj_std_parallel1", V::kDouble},
    {3079, "proj_std_parallel2", V::kDouble},
    {3080, "proj_nat_origin_long", V::kDouble},
    {3081, "proj_nat_origin_lat", V::kDouble},
    {3082, "proj_false_easting", V::kDouble},
    {3083, "proj_false_northing", V::kDouble},
    {3084, "proj_false_origin_long", V::kDouble},
    {3085, "proj_false_origin_lat", V::kDouble},
    {3086, "proj_false_origin_easting", V::kDouble},
    {3087, "proj_false_origin_northing", V::kDouble},
    {3088, "proj_center_long", V::kDouble},
    {3089, "proj_center_lat", V::kDouble},
    {3090, "proj_center_easting", V::kDouble},
    {3091, "proj_center_northing", V::kDouble},
    {3092, "proj_scale_at_nat_origin", V::kDouble},
    {3093, "proj_scale_at_center", V::kDouble},
    {3094, "proj_azimuth_angle", V::kDouble},
    {3095, "proj_straight_vert_pole_long", V::kDouble},
    {4096, "vertical", V::kShort},
    {4097, "vertical_citation", V::kAscii},
    {4098, "vertical_datum", V::kShort},
    {4099, "vertical_units", V::kShort},
}};

TiffError malformed(std::string message) {
  return TiffError{TiffErrorKind::kBadGeoKeyDirectory, std::move(message)};
}

}  // namespace

std::span<const GeoKeyInfo> known_geokeys() noexcept {
  return kGeoKeys;
}

const GeoKeyInfo* find_geokey(std::uint16_t id) noexcept {
  for (const GeoKeyInfo& k : kGeoKeys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

const GeoKey* GeoKeySet::find(std::uint16_t id) const noexcept {
  for (const GeoKey& k : keys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

void GeoKeySet::clear() noexcept {
  present = false;
  version = revision = minor_revision = 0;
  keys.clear();
  shorts.clear();
  doubles.clear();
}

TiffError decode_geokeys(const TiffHeader& header, const Ifd& ifd, GeoKeySet& out) {
  out.clear();
  const Entry* dir = header.find(ifd, tag::kGeoKeyDirectory);
  if (dir == nullptr) return {};
  out.present = true;
  if (dir->type != FieldType::kShort) {
    return malformed(fmt::format("GeoKeyDirectory has type {}, not SHORT", field_type_name(dir->type)));
  }
  if (!dir->loaded) return malformed("GeoKeyDirectory was not loaded");
  if (dir->count < 4)
    return malformed(fmt::format("GeoKeyDirectory has {} values, fewer than its 4-value header", dir->count));
  const ByteOrder order = header.byte_order;
  auto dir_at = [&](std::uint64_t i) {
    return static_cast<std::uint16_t>(uint_at(*dir, order, static_cast<std::size_t>(i)));
  };
  out.version = dir_at(0);
  out.revision = dir_at(1);
  out.minor_revision = dir_at(2);
  const std::uint16_t key_count = dir_at(3);
  if (out.version != 1) return malformed(fmt::format("GeoKeyDirectory version {} (only 1 exists)", out.version));
  if (4 + 4 * static_cast<std::uint64_t>(key_count) > dir->count) {
    return malformed(fmt::format("GeoKeyDirectory declares {} keys but holds {} values ({} needed)", key_count,
                                 dir->count, 4 + 4 * static_cast<std::uint64_t>(key_count)));
  }
  const Entry* doubles = header.find(ifd, tag::kGeoDoubleParams);
  const Entry* ascii = header.find(ifd, tag::kGeoAsciiParams);
  // Keys may not share values beyond what the arrays hold: bounds the work of a hostile
  // directory whose keys all point at the same long run of values.
  std::uint64_t value_budget = dir->count + (doubles != nullptr ? doubles->count : 0);
  auto take = [&](std::uint64_t n) {
    if (n > value_budget) return false;
    value_budget -= n;
    return true;
  };

  for (std::uint32_t i = 0; i < key_count; ++i) {
    const std::uint64_t base = 4 + 4 * static_cast<std::uint64_t>(i);
    GeoKey key;
    key.id = dir_at(base);
    key.location = dir_at(base + 1);
    key.count = dir_at(base + 2);
    const std::uint16_t value = dir_at(base + 3);
    const std::uint64_t end = static_cast<std::uint64_t>(value) + key.count;
    switch (key.location) {
      case 0:  // the value itself
        key.kind = GeoValueKind::kShort;
        key.first = static_cast<std::uint32_t>(out.shorts.size());
        key.size = 1;
        out.shorts.push_back(value);
        break;
      case tag::kGeoKeyDirectory:  // SHORTs stored in the directory array itself
        if (end > dir->count) {
          return malformed(
              fmt::format("GeoKey {} refers to SHORTs {}..{} of a {}-value directory", key.id, value, end, dir->count));
        }
        if (!take(key.count)) return malformed("GeoKeys refer to more SHORT values than the directory holds");
        key.kind = GeoValueKind::kShort;
        key.first = static_cast<std::uint32_t>(out.shorts.size());
        key.size = key.count;
        for (std::uint64_t j = value; j < end; ++j) out.shorts.push_back(dir_at(j));
        break;
      case tag::kGeoDoubleParams:
        if (doubles == nullptr || !doubles->loaded || !is_numeric_type(doubles->type) || end > doubles->count) {
          return malformed(fmt::format("GeoKey {} refers to GeoDoubleParams {}..{} but there are {}", key.id, value,
                                       end, doubles == nullptr ? 0 : doubles->count));
        }
        if (!take(key.count)) return malformed("GeoKeys refer to more DOUBLE values than GeoDoubleParams holds");
        key.kind = GeoValueKind::kDouble;
        key.first = static_cast<std::uint32_t>(out.doubles.size());
        key.size = key.count;
        for (std::uint64_t j = value; j < end; ++j)
          out.doubles.push_back(number_at(*doubles, order, static_cast<std::size_t>(j)));
        break;
      case tag::kGeoAsciiParams: {
        if (ascii == nullptr || !ascii->loaded || ascii->type != FieldType::kAscii || end > ascii->count) {
          return malformed(fmt::format("GeoKey {} refers to GeoAsciiParams characters {}..{} but there are {}", key.id,
                                       value, end, ascii == nullptr ? 0 : ascii->count));
        }
        key.kind = GeoValueKind::kAscii;
        std::string_view text(reinterpret_cast<const char*>(ascii->data) + value, key.count);
        while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
        if (!text.empty() && text.back() == '|') text.remove_suffix(1);  // the GeoTIFF terminator
        key.text = text;
        break;
      }
      default:  // a location we do not know: keep the raw value, not fatal
        key.kind = GeoValueKind::kUnknown;
        key.first = static_cast<std::uint32_t>(out.shorts.size());
        key.size = 1;
        out.shorts.push_back(value);
        break;
    }
    out.keys.push_back(key);
  }
  return {};
}

}  // namespace tdump::tiff
