#pragma once
// GeoParquet 1.1 file metadata (the `geo` key) for the inventory's `geometry` column: WKB in
// OGC:CRS84, its geometry types, the bbox of the whole file and the per-row `bbox` covering.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "geo/footprint.hpp"
#include "geo/raster.hpp"

namespace tdump::geo {

inline constexpr std::string_view kGeoParquetVersion = "1.1.0";

// The rows of one file: the union of their lon/lat boxes and the geometry types seen.
class GeoSummary {
 public:
  void add(const Box& bbox, GeometryType type);
  void clear();
  [[nodiscard]] bool empty() const noexcept { return !any_; }

  // The smallest box holding every row's box; west > east when that is the shorter way round
  // across the antimeridian. nullopt without rows.
  [[nodiscard]] std::optional<Box> bbox();

  // The `geo` metadata value (JSON) for a file with these rows.
  [[nodiscard]] std::string metadata_json();

 private:
  void compact();

  // Longitude intervals on [-180, 180] (a box across the antimeridian is two), merged now and then.
  std::vector<std::array<double, 2>> lon_;
  double south_ = 0;
  double north_ = 0;
  bool any_ = false;
  bool polygon_ = false;
  bool multipolygon_ = false;
};

}  // namespace tdump::geo
