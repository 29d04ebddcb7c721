#include "geo/geoparquet.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tdump::geo {
namespace {
constexpr std::size_t kCompactAt = 4096;
}

void GeoSummary::add(const Box& b, GeometryType type) {
  if (b.xmin <= b.xmax) {
    lon_.push_back({b.xmin, b.xmax});
  } else {
    lon_.push_back({b.xmin, 180.0});
    lon_.push_back({-180.0, b.xmax});
  }
  south_ = any_ ? std::min(south_, b.ymin) : b.ymin;
  north_ = any_ ? std::max(north_, b.ymax) : b.ymax;
  any_ = true;
  (type == GeometryType::kPolygon ? polygon_ : multipolygon_) = true;
  if (lon_.size() >= kCompactAt) compact();
}

void GeoSummary::clear() {
  lon_.clear();
  any_ = polygon_ = multipolygon_ = false;
}

void GeoSummary::compact() {
  std::sort(lon_.begin(), lon_.end());
  std::size_t out = 0;
  for (const auto& iv : lon_) {
    if (out > 0 && iv[0] <= lon_[out - 1][1]) {
      lon_[out - 1][1] = std::max(lon_[out - 1][1], iv[1]);
    } else {
      lon_[out++] = iv;
    }
  }
  lon_.resize(out);
}

std::optional<Box> GeoSummary::bbox() {
  if (!any_) return std::nullopt;
  compact();
  // Disjoint sorted intervals on the circle: the box is the complement of the widest gap.
  double best_gap = (lon_.front()[0] + 360.0) - lon_.back()[1];  // the gap across the antimeridian
  double west = lon_.front()[0];
  double east = lon_.back()[1];
  for (std::size_t i = 1; i < lon_.size(); ++i) {
    const double gap = lon_[i][0] - lon_[i - 1][1];
    if (gap > best_gap) {
      best_gap = gap;
      west = lon_[i][0];
      east = lon_[i - 1][1];
    }
  }
  if (best_gap <= 0) {
    west = -180.0;
    east = 180.0;
  }
  return Box{west, south_, east, north_};
}

std::string GeoSummary::metadata_json() {
  nlohmann::json types = nlohmann::json::array();
  if (polygon_) types.push_back("Polygon");
  if (multipolygon_) types.push_back("MultiPolygon");
  nlohmann::json column = {
      {"encoding", "WKB"},
      {"geometry_types", types},
      // No "crs": GeoParquet's default, OGC:CRS84 (longitude, latitude on WGS 84).
      {"edges", "planar"},
      {"orientation", "counterclockwise"},
      {"covering",
       {{"bbox",
         {{"xmin", {"bbox", "xmin"}},
          {"ymin", {"bbox", "ymin"}},
          {"xmax", {"bbox", "xmax"}},
          {"ymax", {"bbox", "ymax"}}}}}},
  };
  if (auto b = bbox()) column["bbox"] = {b->xmin, b->ymin, b->xmax, b->ymax};
  nlohmann::json geo = {
      {"version", kGeoParquetVersion},
      {"primary_column", "geometry"},
      {"columns", {{"geometry", column}}},
  };
  return geo.dump();
}

}  // namespace tdump::geo
