#pragma once
// GeoTIFF GeoKeys: the GeoKeyDirectory (34735) resolved against GeoDoubleParams (34736) and
// GeoAsciiParams (34737). Interpretation layer: works on a parsed TiffHeader, no I/O.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tiff/header.hpp"

namespace tdump::tiff {

enum class GeoValueKind : std::uint8_t {
  kShort,    // stored in the directory (location 0, or 34735 for several SHORTs)
  kDouble,   // GeoDoubleParams
  kAscii,    // GeoAsciiParams
  kUnknown,  // a location we do not know: the raw value_offset is kept as one SHORT
};

struct GeoKeyInfo {
  std::uint16_t id;
  std::string_view name;  // the `geokeys` field name (README "Output schema": async-tiff's, as the original)
  GeoValueKind kind;      // what GeoTIFF 1.1 says the key holds
};

// The GeoTIFF 1.1 keys that have their own field in a row's `geokeys` (README "Output schema"), by id.
[[nodiscard]] std::span<const GeoKeyInfo> known_geokeys() noexcept;
[[nodiscard]] const GeoKeyInfo* find_geokey(std::uint16_t id) noexcept;

struct GeoKey {
  std::uint16_t id = 0;
  std::uint16_t location = 0;  // TIFFTagLocation as stored
  std::uint16_t count = 0;     // Count as stored (for ASCII it includes the trailing '|')
  GeoValueKind kind = GeoValueKind::kShort;
  std::uint32_t first = 0;  // index of the first value in GeoKeySet::shorts or ::doubles
  std::uint32_t size = 0;   // number of values there
  std::string_view text;    // kAscii: the value without its trailing '|' (points into the file bytes)
};

struct GeoKeySet {
  bool present = false;  // the IFD has a GeoKeyDirectory
  std::uint16_t version = 0;
  std::uint16_t revision = 0;
  std::uint16_t minor_revision = 0;
  std::vector<GeoKey> keys;  // in directory order, unknown keys included
  std::vector<std::uint16_t> shorts;
  std::vector<double> doubles;

  [[nodiscard]] std::span<const std::uint16_t> shorts_of(const GeoKey& k) const noexcept {
    return std::span<const std::uint16_t>(shorts).subspan(k.first, k.size);
  }
  [[nodiscard]] std::span<const double> doubles_of(const GeoKey& k) const noexcept {
    return std::span<const double>(doubles).subspan(k.first, k.size);
  }
  [[nodiscard]] const GeoKey* find(std::uint16_t id) const noexcept;
  void clear() noexcept;
};

// Decodes the GeoKeys of `ifd` into `out` (cleared first, capacity kept). An IFD without a
// GeoKeyDirectory gives out.present == false and no error. A malformed directory or a key
// pointing beyond its params gives kBadGeoKeyDirectory.
TiffError decode_geokeys(const TiffHeader& header, const Ifd& ifd, GeoKeySet& out);

}  // namespace tdump::tiff
