#pragma once
// The raster's footprint in longitude/latitude (OGC:CRS84): the bbox rasterio's
// transform_bounds(densify_pts=21) gives for the raster's bounds, and the polygon of its outline
// densified the same way, as ISO WKB. See docs/geo.md for the antimeridian and pole rules.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "geo/crs.hpp"
#include "geo/raster.hpp"

namespace tdump::geo {

// Points added between two corners on each edge (rasterio's and PROJ's recommended 21).
inline constexpr int kDensifyPoints = 21;

enum class GeometryType : std::uint8_t { kPolygon = 3, kMultiPolygon = 6 };

struct Footprint {
  // West, south, east, north in degrees; west > east when the raster crosses the antimeridian
  // (RFC 7946 section 5, as GeoParquet's bbox).
  Box bbox;
  GeometryType type = GeometryType::kPolygon;
  // ISO WKB, little-endian: a Polygon, or a MultiPolygon of the two sides of the antimeridian.
  // Points into the builder's buffer: valid until its next build().
  std::string_view wkb;
  // Non-zero when the footprint comes from a cache: the same id, the same bytes and bbox, built
  // for the same CRS, geotransform and raster size (next_value_id(); the report's aggregates
  // count a grid's pixel size and cell once per id).
  std::uint64_t id = 0;
};

// Reusable scratch space (one per thread; building allocates nothing once warmed up).
class FootprintBuilder {
 public:
  // False when there is no footprint: no transformation to lon/lat, an empty raster, or too few
  // corners that transform.
  bool build(const Crs& crs, const GeoTransform& gt, std::uint64_t width, std::uint64_t height, Footprint& out);

 private:
  using Point = std::array<double, 2>;
  bool transform(const Crs& crs, std::vector<double>& xs, std::vector<double>& ys);
  bool lonlat_bounds(const Crs& crs, const Box& source, Box& out);
  bool make_geometry(const Crs& crs, const GeoTransform& gt, std::uint64_t width, std::uint64_t height, Footprint& out);
  bool polar_cap(bool north);
  // Cleans and orients the parts, writes the WKB.
  bool finish(GeometryType type, Footprint& out);
  void write_wkb(GeometryType type);

  std::vector<double> xs_, ys_;    // the densified ring in the file's CRS, then in lon/lat
  std::vector<double> gxs_, gys_;  // the outline ring when it differs from the bounds' ring
  std::vector<Point> ring_;        // valid points, unwrapped longitudes
  std::vector<Point> part_a_, part_b_;
  std::vector<std::vector<Point>*> parts_;
  std::string wkb_;
};

// The interval of longitudes a ring spans, handling the antimeridian as PROJ's proj_trans_bounds
// does (exposed for tests): ring longitudes in degrees, HUGE_VAL for points that did not transform.
[[nodiscard]] bool ring_longitude_range(std::span<const double> lons, double& west, double& east);

}  // namespace tdump::geo
