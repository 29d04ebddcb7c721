#include "geo/footprint.hpp"

#include <proj.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace tdump::geo {
namespace {

bool valid(double v) {
  return std::isfinite(v) && v != HUGE_VAL;
}

// d wrapped into (-180, 180] (d finite).
double wrap_step(double d) {
  d = std::remainder(d, 360.0);  // [-180, 180]
  return d == -180.0 ? 180.0 : d;
}

// A longitude wrapped into [-180, 180) (d finite).
double wrap_lon(double d) {
  d = std::remainder(d, 360.0);
  return d == 180.0 ? -180.0 : d;
}

// The ring PROJ's proj_trans_bounds densifies for a box: from the north-west corner down the
// west edge, east along the south edge, up the east edge, west along the north edge;
// `side` points per edge, each edge starting at its corner.
void densify_box(const Box& b, int side, std::vector<double>& xs, std::vector<double>& ys) {
  xs.resize(static_cast<std::size_t>(side) * 4);
  ys.resize(xs.size());
  const double dx = (b.xmax - b.xmin) / side;
  const double dy = (b.ymax - b.ymin) / side;
  for (int i = 0; i < side; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const auto s = static_cast<std::size_t>(side);
    xs[k] = b.xmin;
    ys[k] = b.ymax - i * dy;
    xs[k + s] = b.xmin + i * dx;
    ys[k + s] = b.ymin;
    xs[k + 2 * s] = b.xmax;
    ys[k + 2 * s] = b.ymin + i * dy;
    xs[k + 3 * s] = b.xmax - i * dx;
    ys[k + 3 * s] = b.ymax;
  }
}

// The raster's own outline through the geotransform, densified the same way: pixel corners
// (0,0) -> (0,h) -> (w,h) -> (w,0).
void densify_outline(const GeoTransform& gt, double w, double h, int side, std::vector<double>& xs,
                     std::vector<double>& ys) {
  xs.resize(static_cast<std::size_t>(side) * 4);
  ys.resize(xs.size());
  const std::array<std::array<double, 2>, 4> corners = {{{0, 0}, {0, h}, {w, h}, {w, 0}}};
  std::size_t n = 0;
  for (int c = 0; c < 4; ++c) {
    const auto& [c0, r0] = corners[static_cast<std::size_t>(c)];
    const auto& [c1, r1] = corners[static_cast<std::size_t>((c + 1) % 4)];
    for (int i = 0; i < side; ++i) {
      const double t = static_cast<double>(i) / side;
      const auto p = apply(gt, c0 + (c1 - c0) * t, r0 + (r1 - r0) * t);
      xs[n] = p[0];
      ys[n] = p[1];
      ++n;
    }
  }
}

// Whether (x, y) lies strictly inside the quadrilateral of the raster's corners.
bool outline_contains(const GeoTransform& gt, double w, double h, double x, double y) {
  // Back to pixel space: the inverse of the affine part.
  const double det = gt[1] * gt[5] - gt[2] * gt[4];
  if (det == 0) return false;
  const double dx = x - gt[0];
  const double dy = y - gt[3];
  const double col = (gt[5] * dx - gt[2] * dy) / det;
  const double row = (-gt[4] * dx + gt[1] * dy) / det;
  return col > 0 && col < w && row > 0 && row < h;
}

double signed_area(const std::vector<std::array<double, 2>>& ring) {
  double a = 0;
  for (std::size_t i = 0, n = ring.size(); i < n; ++i) {
    const auto& p = ring[i];
    const auto& q = ring[(i + 1) % n];
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

// Drops points that lie on the straight line through their neighbours (they add nothing to the
// shape: e.g. every densified point of a lon/lat-aligned edge).
void drop_collinear(std::vector<std::array<double, 2>>& ring) {
  if (ring.size() <= 3) return;
  std::size_t out = 0;
  const std::size_t n = ring.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& prev = out > 0 ? ring[out - 1] : ring[n - 1];
    const auto& cur = ring[i];
    const auto& next = ring[(i + 1) % n];
    const double ax = cur[0] - prev[0], ay = cur[1] - prev[1];
    const double bx = next[0] - cur[0], by = next[1] - cur[1];
    const double cross = ax * by - ay * bx;
    const double scale = std::hypot(ax, ay) * std::hypot(bx, by);
    const bool same = ax == 0 && ay == 0;
    const bool straight = std::abs(cross) <= 1e-12 * scale && ax * bx + ay * by > 0;
    if (same || straight) continue;
    ring[out++] = cur;
  }
  ring.resize(out);
}

// Keeps the part of `in` with x <= 180 (keep_west) or x >= 180 (else), Sutherland-Hodgman.
void clip_at_180(const std::vector<std::array<double, 2>>& in, bool keep_west,
                 std::vector<std::array<double, 2>>& out) {
  out.clear();
  auto inside = [&](const std::array<double, 2>& p) { return keep_west ? p[0] <= 180.0 : p[0] >= 180.0; };
  for (std::size_t i = 0, n = in.size(); i < n; ++i) {
    const auto& p = in[i];
    const auto& q = in[(i + 1) % n];
    const bool pin = inside(p);
    const bool qin = inside(q);
    if (pin) out.push_back(p);
    if (pin != qin && p[0] != q[0]) {
      const double t = (180.0 - p[0]) / (q[0] - p[0]);
      out.push_back({180.0, p[1] + t * (q[1] - p[1])});
    }
  }
}

template <typename T>
void put(std::string& out, T v) {
  char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  if constexpr (std::endian::native == std::endian::big) std::reverse(bytes, bytes + sizeof v);
  out.append(bytes, sizeof v);
}

void put_polygon(std::string& out, const std::vector<std::array<double, 2>>& ring) {
  out.push_back('\x01');  // little-endian
  put<std::uint32_t>(out, 3);
  put<std::uint32_t>(out, 1);  // one ring
  put<std::uint32_t>(out, static_cast<std::uint32_t>(ring.size() + 1));
  for (const auto& p : ring) {
    put(out, p[0]);
    put(out, p[1]);
  }
  put(out, ring.front()[0]);  // closed
  put(out, ring.front()[1]);
}

}  // namespace

bool ring_longitude_range(std::span<const double> lons, double& west, double& east) {
  // Unwrap: successive points are never half a world apart, so a step of more than 180 degrees
  // is a crossing of the antimeridian.
  bool any = false;
  double prev = 0, u = 0, lo = 0, hi = 0;
  for (double lon : lons) {
    if (!valid(lon)) continue;
    if (!any) {
      u = lo = hi = lon;
      any = true;
    } else {
      u += wrap_step(lon - prev);
      lo = std::min(lo, u);
      hi = std::max(hi, u);
    }
    prev = lon;
  }
  if (!any) return false;
  if (hi - lo >= 360.0) {
    west = -180.0;
    east = 180.0;
    return true;
  }
  west = wrap_lon(lo);
  east = west + (hi - lo);
  if (east > 180.0) east -= 360.0;
  return true;
}

bool FootprintBuilder::transform(const Crs& crs, std::vector<double>& xs, std::vector<double>& ys) {
  if (!crs.to_lonlat) return false;
  if (crs.identity) return true;
  PJ* op = crs.to_lonlat.get();
  proj_trans_generic(op, PJ_FWD, xs.data(), sizeof(double), xs.size(), ys.data(), sizeof(double), ys.size(), nullptr, 0,
                     0, nullptr, 0, 0);
  proj_errno_reset(op);
  return true;
}

bool FootprintBuilder::lonlat_bounds(const Crs& crs, const Box& source, Box& out) {
  double south = HUGE_VAL, north = -HUGE_VAL;
  for (std::size_t i = 0; i < ys_.size(); ++i) {
    if (!valid(xs_[i]) || !valid(ys_[i])) continue;
    south = std::min(south, ys_[i]);
    north = std::max(north, ys_[i]);
  }
  if (!(south <= north)) return false;
  // Latitudes past the poles (a lon/lat file with a nonsense geotransform): no place on Earth.
  constexpr double kSlack = 1e-9;
  if (south < -90.0 - kSlack || north > 90.0 + kSlack) return false;
  south = std::max(south, -90.0);
  north = std::min(north, 90.0);
  // A pole inside the raster's bounds: the box reaches it, all around the world (PROJ's rule,
  // tested with strict inequalities as PROJ does).
  auto inside = [&](const std::optional<std::array<double, 2>>& pole) {
    return pole && source.xmin < (*pole)[0] && (*pole)[0] < source.xmax && source.ymin < (*pole)[1] &&
           (*pole)[1] < source.ymax;
  };
  if (!crs.identity && inside(crs.north_pole)) {
    out = {-180.0, south, 180.0, 90.0};
    return true;
  }
  if (!crs.identity && inside(crs.south_pole)) {
    out = {-180.0, -90.0, 180.0, north};
    return true;
  }
  // Points that did not transform do not count (their x is HUGE_VAL too).
  for (std::size_t i = 0; i < xs_.size(); ++i) {
    if (!valid(ys_[i])) xs_[i] = HUGE_VAL;
  }
  double west = 0, east = 0;
  if (!ring_longitude_range(xs_, west, east)) return false;
  out = {west, south, east, north};
  return true;
}

bool FootprintBuilder::polar_cap(bool north) {
  // ring_ goes once around the pole: its longitudes, unwrapped, advance by +-360. Start it where
  // it crosses the antimeridian, so it runs from one side of the world to the other, then close
  // it along the antimeridian through the pole.
  const std::size_t n = ring_.size();
  std::size_t start = n;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = ring_[(i + n - 1) % n];
    const auto& q = ring_[i];
    if (std::abs(q[0] - p[0]) > 180.0) {
      if (start != n) return false;  // crosses more than once: not a simple cap
      start = i;
    }
  }
  if (start == n) return false;
  part_a_.clear();
  const auto& last = ring_[(start + n - 1) % n];
  const auto& first = ring_[start];
  // The crossing: unwrap `first` next to `last`, interpolate the latitude at +-180.
  const double unwrapped = last[0] + wrap_step(first[0] - last[0]);
  const double edge = unwrapped > last[0] ? 180.0 : -180.0;  // where `last` meets the antimeridian
  const double t = (edge - last[0]) / (unwrapped - last[0]);
  const double lat = last[1] + t * (first[1] - last[1]);
  part_a_.push_back({-edge, lat});
  for (std::size_t k = 0; k < n; ++k) part_a_.push_back(ring_[(start + k) % n]);
  part_a_.push_back({edge, lat});
  const double pole = north ? 90.0 : -90.0;
  part_a_.push_back({edge, pole});
  part_a_.push_back({-edge, pole});
  return true;
}

bool FootprintBuilder::make_geometry(const Crs& crs, const GeoTransform& gt, std::uint64_t width, std::uint64_t height,
                                     Footprint& out) {
  const bool rotated = gt[2] != 0 || gt[4] != 0;
  const std::vector<double>* xs = &xs_;
  const std::vector<double>* ys = &ys_;
  if (rotated) {
    densify_outline(gt, static_cast<double>(width), static_cast<double>(height), kDensifyPoints + 1, gxs_, gys_);
    if (!transform(crs, gxs_, gys_)) return false;
    xs = &gxs_;
    ys = &gys_;
  }
  // Valid points, longitudes unwrapped along the ring.
  ring_.clear();
  double u = 0, prev = 0;
  for (std::size_t i = 0; i < xs->size(); ++i) {
    const double lon = (*xs)[i];
    double lat = (*ys)[i];
    if (!valid(lon) || !valid(lat)) continue;
    lat = std::clamp(lat, -90.0, 90.0);  // within lonlat_bounds' slack of the poles
    u = ring_.empty() ? lon : u + wrap_step(lon - prev);
    prev = lon;
    ring_.push_back({u, lat});
  }
  if (ring_.size() < 3) return false;
  const double winding = ring_.back()[0] + wrap_step(ring_.front()[0] - prev) - ring_.front()[0];
  parts_.clear();
  GeometryType type = GeometryType::kPolygon;
  if (std::abs(winding) > 180.0) {
    // Around a pole: which one is inside the raster's outline?
    const double w = static_cast<double>(width);
    const double h = static_cast<double>(height);
    bool north = false;
    if (crs.north_pole && outline_contains(gt, w, h, (*crs.north_pole)[0], (*crs.north_pole)[1])) {
      north = true;
    } else if (crs.south_pole && outline_contains(gt, w, h, (*crs.south_pole)[0], (*crs.south_pole)[1])) {
      north = false;
    } else {
      return false;
    }
    // Back to plain longitudes for the cap construction.
    for (auto& p : ring_) p[0] = wrap_lon(p[0]);
    if (!polar_cap(north)) return false;
    parts_.push_back(&part_a_);
  } else {
    double lo = ring_.front()[0], hi = lo;
    for (const auto& p : ring_) {
      lo = std::min(lo, p[0]);
      hi = std::max(hi, p[0]);
    }
    if (hi - lo >= 360.0) {
      // All the way round without enclosing a pole (a whole-world lon/lat raster): the band of
      // latitudes it covers.
      double south = ring_.front()[1], north = south;
      for (const auto& p : ring_) {
        south = std::min(south, p[1]);
        north = std::max(north, p[1]);
      }
      part_a_ = {{-180.0, south}, {180.0, south}, {180.0, north}, {-180.0, north}};
      parts_.push_back(&part_a_);
      return finish(type, out);
    }
    const double shift = lo - wrap_lon(lo);
    for (auto& p : ring_) p[0] -= shift;
    hi -= shift;
    if (hi <= 180.0) {
      part_a_.assign(ring_.begin(), ring_.end());
      parts_.push_back(&part_a_);
    } else {
      // Across the antimeridian: the west part up to 180, the east part from -180.
      clip_at_180(ring_, true, part_a_);
      clip_at_180(ring_, false, part_b_);
      for (auto& p : part_b_) p[0] -= 360.0;
      if (part_a_.size() >= 3) parts_.push_back(&part_a_);
      if (part_b_.size() >= 3) parts_.push_back(&part_b_);
      if (parts_.size() == 2) type = GeometryType::kMultiPolygon;
    }
  }
  return finish(type, out);
}

bool FootprintBuilder::finish(GeometryType type, Footprint& out) {
  for (auto* part : parts_) {
    drop_collinear(*part);
    if (part->size() < 3) return false;
    if (signed_area(*part) < 0) std::reverse(part->begin(), part->end());  // exterior rings counter-clockwise
  }
  if (parts_.empty()) return false;
  write_wkb(type);
  out.type = type;
  out.wkb = wkb_;
  return true;
}

void FootprintBuilder::write_wkb(GeometryType type) {
  wkb_.clear();
  if (type == GeometryType::kPolygon) {
    put_polygon(wkb_, *parts_.front());
    return;
  }
  wkb_.push_back('\x01');
  put<std::uint32_t>(wkb_, 6);
  put<std::uint32_t>(wkb_, static_cast<std::uint32_t>(parts_.size()));
  for (const auto* part : parts_) put_polygon(wkb_, *part);
}

bool FootprintBuilder::build(const Crs& crs, const GeoTransform& gt, std::uint64_t width, std::uint64_t height,
                             Footprint& out) {
  if (width == 0 || height == 0 || !crs.to_lonlat) return false;
  const Box source = raster_bounds(gt, width, height);
  densify_box(source, kDensifyPoints + 1, xs_, ys_);
  if (!transform(crs, xs_, ys_)) return false;
  if (!lonlat_bounds(crs, source, out.bbox)) return false;
  return make_geometry(crs, gt, width, height, out);
}

}  // namespace tdump::geo
