// src/geo on hand-built headers: the expected values are the ones each test gives the builder or
// works out by hand from the GeoTIFF and GDAL rules (docs/geo.md), never our own output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "geo/derive.hpp"
#include "geo/geoparquet.hpp"
#include "tiff/parser.hpp"
#include "tiff/tags.hpp"
#include "tiff_builder.hpp"

namespace tdump::geo::testing {
namespace {

using tiff::testing::ascii;
using tiff::testing::BuildEntry;
using tiff::testing::doubles;
using tiff::testing::longs;
using tiff::testing::shorts;
using tiff::testing::TiffBuilder;

// A parsed one-IFD file: width x height, 8-bit grey, plus `extra` entries (sorted by the caller).
struct File {
  std::vector<std::uint8_t> bytes;
  tiff::TiffHeader header;
  tiff::GeoKeySet keys;
  const tiff::Ifd& ifd() const { return header.ifds.front(); }
};

File make_file(std::uint64_t width, std::uint64_t height, std::vector<BuildEntry> extra) {
  std::vector<BuildEntry> entries = {
      longs(256, {width}), longs(257, {height}), shorts(258, {8}),     shorts(259, {1}), shorts(262, {1}),
      longs(273, {8}),     shorts(277, {1}),     longs(278, {height}), longs(279, {1}),
  };
  for (auto& e : extra) entries.push_back(std::move(e));
  std::sort(entries.begin(), entries.end(), [](const BuildEntry& a, const BuildEntry& b) { return a.tag < b.tag; });
  TiffBuilder b(tiff::ByteOrder::kLittle, false);
  b.append("pixels!!");  // offset 8: the strip
  b.set_first_ifd(b.add_ifd(entries));
  File f;
  f.bytes = b.bytes();
  tiff::ByteChunk chunk{0, f.bytes};
  EXPECT_EQ(tiff::HeaderParser().parse(tiff::FileBytes{std::span(&chunk, 1), f.bytes.size()}, f.header),
            tiff::ParseStatus::kComplete);
  EXPECT_TRUE(tiff::decode_geokeys(f.header, f.ifd(), f.keys).ok());
  return f;
}

// A GeoKeyDirectory of SHORT keys (id, value) plus DOUBLE keys and one ASCII key.
std::vector<BuildEntry> geokeys(const std::vector<std::pair<std::uint16_t, std::uint16_t>>& short_keys,
                                const std::vector<std::pair<std::uint16_t, double>>& double_keys = {},
                                const std::vector<std::pair<std::uint16_t, std::string>>& ascii_keys = {}) {
  struct K {
    std::uint16_t id, location, count, value;
  };
  std::vector<K> keys;
  std::vector<double> dbl;
  std::string text;
  for (auto [id, v] : short_keys) keys.push_back({id, 0, 1, v});
  for (auto [id, v] : double_keys) {
    keys.push_back({id, 34736, 1, static_cast<std::uint16_t>(dbl.size())});
    dbl.push_back(v);
  }
  for (const auto& [id, s] : ascii_keys) {
    keys.push_back({id, 34737, static_cast<std::uint16_t>(s.size() + 1), static_cast<std::uint16_t>(text.size())});
    text += s + "|";
  }
  std::sort(keys.begin(), keys.end(), [](const K& a, const K& b) { return a.id < b.id; });
  std::vector<std::uint64_t> dir = {1, 1, 0, keys.size()};
  for (const K& k : keys) dir.insert(dir.end(), {k.id, k.location, k.count, k.value});
  std::vector<BuildEntry> out = {shorts(34735, dir)};
  if (!dbl.empty()) out.push_back(doubles(34736, dbl));
  if (!text.empty()) out.push_back(ascii(34737, text));
  return out;
}

std::vector<BuildEntry> join(std::vector<BuildEntry> a, std::vector<BuildEntry> b) {
  for (auto& e : b) a.push_back(std::move(e));
  return a;
}

constexpr std::uint16_t kModelType = 1024, kRasterType = 1025, kCitation = 1026, kProjected = 3072;

// ---- geotransform ----

TEST(Geotransform, FromPixelScaleAndTiepoint) {
  // Raster (10, 20) is model (500100, 4600200): the corner is 10 pixels left, 20 rows up.
  auto f = make_file(64, 48, {doubles(33550, {2, 3, 0}), doubles(33922, {10, 20, 0, 500100, 4600200, 0})});
  auto gt = geotransform(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(gt);
  EXPECT_EQ(*gt, (GeoTransform{500100 - 10 * 2, 2, 0, 4600200 + 20 * 3, 0, -3}));
}

TEST(Geotransform, NegativeScaleYIsReadAsNorthUp) {
  auto f = make_file(64, 48, {doubles(33550, {2, -3, 0}), doubles(33922, {0, 0, 0, 100, 200, 0})});
  auto gt = geotransform(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(gt);
  EXPECT_EQ(*gt, (GeoTransform{100, 2, 0, 200, 0, -3}));
}

TEST(Geotransform, PixelIsPointShiftsHalfAPixel) {
  auto f = make_file(64, 48,
                     join({doubles(33550, {2, 4, 0}), doubles(33922, {0, 0, 0, 100, 200, 0})},
                          geokeys({{kModelType, 1}, {kRasterType, 2}, {kProjected, 32633}})));
  auto gt = geotransform(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(gt);
  EXPECT_EQ(*gt, (GeoTransform{100 - 1, 2, 0, 200 + 2, 0, -4}));
}

TEST(Geotransform, FromModelTransformationWithRotation) {
  const std::vector<double> m = {8, 5, 0, 500000, 5, -8, 0, 4600000, 0, 0, 0, 0, 0, 0, 0, 1};
  auto f =
      make_file(64, 48, join({doubles(34264, m)}, geokeys({{kModelType, 1}, {kRasterType, 2}, {kProjected, 32633}})));
  auto gt = geotransform(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(gt);
  // PixelIsPoint: minus half a pixel along both grid axes.
  EXPECT_EQ(*gt, (GeoTransform{500000 - 4 - 2.5, 8, 5, 4600000 - 2.5 + 4, 5, -8}));
}

TEST(Geotransform, AValidScaleWithoutTiepointHasNoneEvenWithAMatrix) {
  const std::vector<double> m = {8, 0, 0, 500000, 0, -8, 0, 4600000, 0, 0, 0, 0, 0, 0, 0, 1};
  auto f = make_file(64, 48, {doubles(33550, {8, 8, 0}), doubles(34264, m)});
  EXPECT_FALSE(geotransform(f.header, f.ifd(), f.keys));
}

TEST(Geotransform, NoneForGcpsOrABadMatrix) {
  auto gcps = make_file(64, 48, {doubles(33922, {0, 0, 0, 10, 50, 0, 64, 48, 0, 11, 49, 0})});
  EXPECT_FALSE(geotransform(gcps.header, gcps.ifd(), gcps.keys));
  auto short_matrix = make_file(64, 48, {doubles(34264, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1})});
  EXPECT_FALSE(geotransform(short_matrix.header, short_matrix.ifd(), short_matrix.keys));
  auto nan = make_file(64, 48, {doubles(33550, {2, 3, 0}), doubles(33922, {0, 0, 0, std::nan(""), 0, 0})});
  EXPECT_FALSE(geotransform(nan.header, nan.ifd(), nan.keys));
  auto none = make_file(64, 48, {});
  EXPECT_FALSE(geotransform(none.header, none.ifd(), none.keys));
}

TEST(Bounds, CornersOfARotatedRaster) {
  const GeoTransform gt{100, 2, 1, 200, 1, -2};
  // Corners: (100,200) (110,205) (114,197) (104,192) for a 5x4 raster.
  EXPECT_EQ(raster_bounds(gt, 5, 4), (Box{100, 192, 114, 205}));
}

// ---- dtype ----

std::optional<std::string_view> dtype_of(std::vector<std::uint64_t> bits,
                                         std::optional<std::vector<std::uint64_t>> format) {
  std::vector<BuildEntry> entries = {longs(256, {4}),  longs(257, {4}), shorts(258, bits),          shorts(259, {1}),
                                     shorts(262, {1}), longs(273, {8}), shorts(277, {bits.size()}), longs(278, {4}),
                                     longs(279, {1})};
  if (format) entries.push_back(shorts(339, *format));
  TiffBuilder b(tiff::ByteOrder::kBig, false);
  b.append("pixels!!");
  b.set_first_ifd(b.add_ifd(entries));
  auto bytes = b.bytes();
  tiff::TiffHeader h;
  tiff::ByteChunk chunk{0, bytes};
  EXPECT_EQ(tiff::HeaderParser().parse(tiff::FileBytes{std::span(&chunk, 1), bytes.size()}, h),
            tiff::ParseStatus::kComplete);
  return dtype(h, h.ifds.front());
}

TEST(Dtype, NumpyNames) {
  using V = std::vector<std::uint64_t>;
  EXPECT_EQ(dtype_of(V{8}, std::nullopt), "uint8");  // SampleFormat defaults to unsigned
  EXPECT_EQ(dtype_of(V{1}, std::nullopt), "uint8");
  EXPECT_EQ(dtype_of(V{12, 12}, V{1, 1}), "uint16");
  EXPECT_EQ(dtype_of(V{32}, V{1}), "uint32");
  EXPECT_EQ(dtype_of(V{64}, V{1}), "uint64");
  EXPECT_EQ(dtype_of(V{8}, V{2}), "int8");
  EXPECT_EQ(dtype_of(V{16}, V{2}), "int16");
  EXPECT_EQ(dtype_of(V{64}, V{2}), "int64");
  EXPECT_EQ(dtype_of(V{16}, V{3}), "float16");
  EXPECT_EQ(dtype_of(V{24}, V{3}), "float32");
  EXPECT_EQ(dtype_of(V{32, 32, 32}, V{3, 3, 3}), "float32");
  EXPECT_EQ(dtype_of(V{64}, V{3}), "float64");
  EXPECT_EQ(dtype_of(V{64}, V{6}), "complex64");
  EXPECT_EQ(dtype_of(V{128}, V{6}), "complex128");
}

TEST(Dtype, NoneWhereNumpyHasNoType) {
  using V = std::vector<std::uint64_t>;
  EXPECT_EQ(dtype_of(V{32}, V{5}), std::nullopt);        // complex integer
  EXPECT_EQ(dtype_of(V{8}, V{4}), std::nullopt);         // void
  EXPECT_EQ(dtype_of(V{8, 16}, V{1, 1}), std::nullopt);  // mixed sizes
  EXPECT_EQ(dtype_of(V{8, 8}, V{1, 2}), std::nullopt);   // mixed formats
  EXPECT_EQ(dtype_of(V{48}, V{3}), std::nullopt);
  EXPECT_EQ(dtype_of(V{96}, V{1}), std::nullopt);
}

// ---- longitude ranges and the file bbox ----

TEST(LongitudeRange, PlainCrossingAndWorld) {
  double w = 0, e = 0;
  const std::vector<double> plain = {10, 12, 14, 12};
  ASSERT_TRUE(ring_longitude_range(plain, w, e));
  EXPECT_EQ(w, 10);
  EXPECT_EQ(e, 14);
  const std::vector<double> crossing = {178, 179.5, -179, -177, 179};
  ASSERT_TRUE(ring_longitude_range(crossing, w, e));
  EXPECT_EQ(w, 178);
  EXPECT_EQ(e, -177);
  const std::vector<double> beyond = {170, 180, 190};  // a lon/lat file past 180: wrapped
  ASSERT_TRUE(ring_longitude_range(beyond, w, e));
  EXPECT_EQ(w, 170);
  EXPECT_EQ(e, -170);
  std::vector<double> world;
  for (int i = 0; i <= 36; ++i) world.push_back(-180 + 10 * i);
  world.push_back(0);
  ASSERT_TRUE(ring_longitude_range(world, w, e));
  EXPECT_EQ(w, -180);
  EXPECT_EQ(e, 180);
  const std::vector<double> invalid = {HUGE_VAL, 5, HUGE_VAL, 7};
  ASSERT_TRUE(ring_longitude_range(invalid, w, e));
  EXPECT_EQ(w, 5);
  EXPECT_EQ(e, 7);
  const std::vector<double> none = {HUGE_VAL};
  EXPECT_FALSE(ring_longitude_range(none, w, e));
}

TEST(GeoSummary, UnionIsTheShortestWayRound) {
  GeoSummary s;
  EXPECT_FALSE(s.bbox());
  s.add({10, 0, 20, 5}, GeometryType::kPolygon);
  s.add({15, -3, 30, 2}, GeometryType::kPolygon);
  EXPECT_EQ(*s.bbox(), (Box{10, -3, 30, 5}));
  // A box across the antimeridian and one east of it: the union goes round the back.
  s.clear();
  s.add({170, 0, -175, 1}, GeometryType::kMultiPolygon);
  s.add({-170, 2, -160, 3}, GeometryType::kPolygon);
  EXPECT_EQ(*s.bbox(), (Box{170, 0, -160, 3}));
  // Far apart on both sides of 0 and of 180: the widest gap (here around 0) is left out.
  s.clear();
  s.add({100, 0, 110, 1}, GeometryType::kPolygon);
  s.add({-110, 0, -100, 1}, GeometryType::kPolygon);
  EXPECT_EQ(*s.bbox(), (Box{100, 0, -100, 1}));
  s.add({-5, 0, 5, 1}, GeometryType::kPolygon);  // gaps of 95, 95 and 140 (110..-110): that one is left out
  EXPECT_EQ(*s.bbox(), (Box{-110, 0, 110, 1}));
}

TEST(GeoSummary, ManyRowsStayBounded) {
  GeoSummary s;
  for (int i = 0; i < 100000; ++i) {
    const double lon = -179 + (i % 358);
    s.add({lon, -1, lon + 0.5, 1}, GeometryType::kPolygon);
  }
  EXPECT_EQ(*s.bbox(), (Box{-179, -1, 178.5, 1}));
  auto json = s.metadata_json();
  EXPECT_NE(json.find(R"("geometry_types":["Polygon"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("primary_column":"geometry")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("xmin":["bbox","xmin"])"), std::string::npos) << json;
}

// ---- CRS resolution and caching ----

TEST(Crs, EpsgCodeAndCache) {
  CrsResolver resolver;
  auto a = make_file(8, 8, geokeys({{kModelType, 1}, {kRasterType, 1}, {kProjected, 32633}}, {}, {{kCitation, "one"}}));
  auto b = make_file(8, 8, geokeys({{kModelType, 1}, {kRasterType, 2}, {kProjected, 32633}}, {}, {{kCitation, "two"}}));
  const Crs* ca = resolver.resolve(a.keys);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->epsg, 32633);
  EXPECT_EQ(ca->name, "WGS 84 / UTM zone 33N");
  EXPECT_NE(ca->projjson.find(R"("type":"ProjectedCRS")"), std::string::npos) << ca->projjson;
  EXPECT_EQ(ca->projjson.find('\n'), std::string::npos);
  // Only the citation and raster type differ: the same cached CRS, built once.
  EXPECT_EQ(resolver.resolve(b.keys), ca);
  EXPECT_EQ(resolver.builds(), 1U);
  auto none = make_file(8, 8, {});
  EXPECT_EQ(resolver.resolve(none.keys), nullptr);
  auto no_model = make_file(8, 8, geokeys({{kRasterType, 1}}));
  EXPECT_EQ(resolver.resolve(no_model.keys), nullptr);
}

TEST(Crs, ADuplicateKeyCountsOnce) {
  // The same key twice (a malformed directory): the first value counts, as GeoKeySet::find says.
  CrsResolver resolver;
  auto f = make_file(8, 8, geokeys({{kModelType, 1}, {kProjected, 32633}}, {}, {{kCitation, "a"}, {kCitation, "bb"}}));
  const Crs* c = resolver.resolve(f.keys);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->epsg, 32633);
}

TEST(Crs, UserDefinedLambertHasNoCode) {
  CrsResolver resolver;
  // GeoTIFF keys of +proj=lcc +lat_1=33 +lat_2=45 +lat_0=23 +lon_0=-96 on NAD83 (GCS 4269).
  auto f = make_file(
      8, 8,
      geokeys({{kModelType, 1}, {2048, 4269}, {kProjected, 32767}, {3074, 32767}, {3075, 8}, {3076, 9001}},
              {{3078, 33}, {3079, 45}, {3084, -96}, {3085, 23}, {3086, 0}, {3087, 0}}, {{3073, "my conus lambert"}}));
  const Crs* c = resolver.resolve(f.keys);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->epsg);
  EXPECT_EQ(c->name, "my conus lambert");
  EXPECT_NE(c->projjson.find("Lambert Conic Conformal (2SP)"), std::string::npos) << c->projjson;
  EXPECT_NE(c->projjson.find("NAD83"), std::string::npos) << c->projjson;
}

// ---- footprints ----

struct Ring {
  std::uint32_t type = 0;
  std::vector<std::vector<std::array<double, 2>>> polygons;
};

Ring read_wkb(std::string_view wkb) {
  Ring r;
  std::size_t at = 0;
  auto u32 = [&] {
    std::uint32_t v = 0;
    std::memcpy(&v, wkb.data() + at, 4);
    at += 4;
    return v;
  };
  auto f64 = [&] {
    double v = 0;
    std::memcpy(&v, wkb.data() + at, 8);
    at += 8;
    return v;
  };
  auto polygon = [&] {
    EXPECT_EQ(wkb[at], '\x01');
    ++at;
    EXPECT_EQ(u32(), 3U);
    EXPECT_EQ(u32(), 1U);
    std::vector<std::array<double, 2>> ring(u32());
    for (auto& p : ring) {
      p[0] = f64();
      p[1] = f64();
    }
    r.polygons.push_back(ring);
  };
  EXPECT_EQ(wkb[0], '\x01');
  std::uint32_t type = 0;
  std::memcpy(&type, wkb.data() + 1, 4);
  r.type = type;
  if (type == 3) {
    polygon();
  } else {
    at = 5;
    const auto n = u32();
    for (std::uint32_t i = 0; i < n; ++i) polygon();
  }
  EXPECT_EQ(at, wkb.size());
  return r;
}

double area(const std::vector<std::array<double, 2>>& ring) {
  double a = 0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a / 2;
}

File georeferenced(std::uint16_t epsg, double x0, double y0, double px, std::uint64_t w, std::uint64_t h,
                   std::uint16_t model = 1) {
  const std::uint16_t code_key = model == 1 ? kProjected : 2048;
  return make_file(w, h,
                   join({doubles(33550, {px, px, 0}), doubles(33922, {0, 0, 0, x0, y0, 0})},
                        geokeys({{kModelType, model}, {kRasterType, 1}, {code_key, epsg}})));
}

TEST(Footprint, LonLatAlignedRasterIsAFivePointRing) {
  auto f = georeferenced(4326, 10, 50, 0.1, 16, 12, 2);
  const GeoFacts& g = thread_geo_deriver().derive(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(g.footprint);
  EXPECT_EQ(g.footprint->bbox, (Box{10, 50 - 1.2, 11.6, 50}));
  auto r = read_wkb(g.footprint->wkb);
  ASSERT_EQ(r.type, 3U);
  ASSERT_EQ(r.polygons[0].size(), 5U);  // the densified points of straight edges are dropped
  EXPECT_EQ(r.polygons[0].front(), r.polygons[0].back());
  EXPECT_GT(area(r.polygons[0]), 0);  // counter-clockwise
  EXPECT_NEAR(area(r.polygons[0]), 1.6 * 1.2, 1e-12);
}

TEST(Footprint, UtmRingIsDensifiedAndCounterClockwise) {
  auto f = georeferenced(32633, 500000, 4600000, 1000, 100, 100);
  const GeoFacts& g = thread_geo_deriver().derive(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(g.footprint);
  auto r = read_wkb(g.footprint->wkb);
  ASSERT_EQ(r.type, 3U);
  EXPECT_GT(r.polygons[0].size(), 40U);  // curved edges keep their points
  EXPECT_LE(r.polygons[0].size(), 89U);
  EXPECT_GT(area(r.polygons[0]), 0);
  for (const auto& p : r.polygons[0]) {
    EXPECT_GE(p[0], g.footprint->bbox.xmin);
    EXPECT_LE(p[0], g.footprint->bbox.xmax);
    EXPECT_GE(p[1], g.footprint->bbox.ymin);
    EXPECT_LE(p[1], g.footprint->bbox.ymax);
  }
  // UTM 33N's central meridian is 15E: x = 500000 lies on it.
  EXPECT_NEAR(g.footprint->bbox.xmin, 15, 1e-9);
}

TEST(Footprint, AcrossTheAntimeridianIsTwoPolygons) {
  // UTM zone 60N spans 174..180E; 400 km east of its false easting is past 180.
  auto f = georeferenced(32660, 600000, 6000000, 4000, 100, 100);
  const GeoFacts& g = thread_geo_deriver().derive(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(g.footprint);
  EXPECT_GT(g.footprint->bbox.xmin, g.footprint->bbox.xmax);  // xmin > xmax across it
  EXPECT_EQ(g.footprint->type, GeometryType::kMultiPolygon);
  auto r = read_wkb(g.footprint->wkb);
  ASSERT_EQ(r.type, 6U);
  ASSERT_EQ(r.polygons.size(), 2U);
  bool west_at_180 = false, east_at_minus_180 = false;
  for (const auto& p : r.polygons[0]) west_at_180 |= p[0] == 180.0;
  for (const auto& p : r.polygons[1]) east_at_minus_180 |= p[0] == -180.0;
  EXPECT_TRUE(west_at_180);
  EXPECT_TRUE(east_at_minus_180);
  for (const auto& poly : r.polygons) {
    EXPECT_GT(area(poly), 0);
    for (const auto& p : poly) {
      EXPECT_GE(p[0], -180.0);
      EXPECT_LE(p[0], 180.0);
    }
  }
}

TEST(Footprint, AroundThePoleIsACap) {
  // EPSG:3031 (south polar stereographic), 2000 km square around the pole.
  auto f = georeferenced(3031, -1000000, 1000000, 20000, 100, 100);
  const GeoFacts& g = thread_geo_deriver().derive(f.header, f.ifd(), f.keys);
  ASSERT_TRUE(g.footprint);
  EXPECT_EQ(g.footprint->bbox.xmin, -180);
  EXPECT_EQ(g.footprint->bbox.xmax, 180);
  EXPECT_EQ(g.footprint->bbox.ymin, -90);
  auto r = read_wkb(g.footprint->wkb);
  ASSERT_EQ(r.type, 3U);
  int at_pole = 0;
  for (const auto& p : r.polygons[0]) at_pole += p[1] == -90.0 ? 1 : 0;
  EXPECT_EQ(at_pole, 2);
  EXPECT_GT(area(r.polygons[0]), 0);
}

TEST(Footprint, NoneForLatitudesPastThePoles) {
  // A lon/lat raster whose rows run from 95N down: not on Earth. (Found by fuzz/geo.)
  auto f = georeferenced(4326, 10, 95, 0.1, 16, 12, 2);
  const GeoFacts& g = thread_geo_deriver().derive(f.header, f.ifd(), f.keys);
  EXPECT_TRUE(g.bounds);
  EXPECT_FALSE(g.footprint);
}

TEST(Footprint, HugeCoordinatesEndQuickly) {
  // Longitudes of 1e300 once made the antimeridian arithmetic loop for ever (found by fuzz/geo).
  auto f = georeferenced(4326, 1e300, 10, 1e299, 16, 12, 2);
  const GeoFacts& g = thread_geo_deriver().derive(f.header, f.ifd(), f.keys);
  if (g.footprint) {
    EXPECT_GE(g.footprint->bbox.xmin, -180);
    EXPECT_LE(g.footprint->bbox.xmax, 180);
  }
  double w = 0, e = 0;
  const std::vector<double> lons = {1e300, -1e300, 5e299};
  ASSERT_TRUE(ring_longitude_range(lons, w, e));
  EXPECT_GE(w, -180);
  EXPECT_LE(e, 180);
}

TEST(Footprint, NoneWithoutCrsOrGeotransform) {
  auto no_crs = make_file(8, 8, {doubles(33550, {1, 1, 0}), doubles(33922, {0, 0, 0, 0, 8, 0})});
  const GeoFacts& a = thread_geo_deriver().derive(no_crs.header, no_crs.ifd(), no_crs.keys);
  EXPECT_TRUE(a.geotransform);
  EXPECT_TRUE(a.bounds);
  EXPECT_EQ(a.crs, nullptr);
  EXPECT_FALSE(a.footprint);
  auto no_gt = make_file(8, 8, geokeys({{kModelType, 1}, {kProjected, 32633}}));
  const GeoFacts& b = thread_geo_deriver().derive(no_gt.header, no_gt.ifd(), no_gt.keys);
  EXPECT_NE(b.crs, nullptr);
  EXPECT_FALSE(b.bounds);
  EXPECT_FALSE(b.footprint);
}

// ---- the deriver's memo ----

// What a deriver with nothing cached gives: the memo must give the same, field by field.
void expect_same_facts(const GeoFacts& got, const File& f, const std::string& what) {
  CrsResolver resolver;
  GeoDeriver fresh(resolver);
  const GeoFacts& want = fresh.derive(f.header, f.ifd(), f.keys);
  EXPECT_EQ(got.geotransform, want.geotransform) << what;
  EXPECT_EQ(got.bounds, want.bounds) << what;
  EXPECT_EQ(got.dtype, want.dtype) << what;
  ASSERT_EQ(got.crs == nullptr, want.crs == nullptr) << what;
  if (got.crs != nullptr) {
    EXPECT_EQ(got.crs->epsg, want.crs->epsg) << what;
    EXPECT_EQ(got.crs->projjson, want.crs->projjson) << what;
  }
  ASSERT_EQ(got.footprint.has_value(), want.footprint.has_value()) << what;
  if (got.footprint) {
    EXPECT_EQ(got.footprint->bbox, want.footprint->bbox) << what;
    EXPECT_EQ(got.footprint->type, want.footprint->type) << what;
    EXPECT_EQ(got.footprint->wkb, want.footprint->wkb) << what;
  }
}

TEST(GeoDeriver, MemoGivesWhatDerivingAfreshGives) {
  const auto grid = [](std::uint64_t w, std::vector<BuildEntry> keys, std::vector<double> tie) {
    return make_file(w, 100, join({doubles(33550, {1000, 1000, 0}), doubles(33922, std::move(tie))}, std::move(keys)));
  };
  const std::vector<double> tie = {0, 0, 0, 500000, 4600000, 0};
  // Files that differ in one input each: the CRS, PixelIsPoint, the width, a citation, the
  // tiepoint; and two whose inputs are too large to memoise (800 tiepoints: GCPs without a
  // scale, and the first tiepoint with one).
  std::vector<double> many;
  for (int i = 0; i < 800; ++i) many.insert(many.end(), {1.0 * i, 2.0 * i, 0, 500000.0 + i, 4600000.0 - i, 0});
  std::vector<File> memoised;
  memoised.push_back(grid(100, geokeys({{kModelType, 1}, {kRasterType, 1}, {kProjected, 32633}}), tie));
  memoised.push_back(grid(100, geokeys({{kModelType, 1}, {kRasterType, 1}, {kProjected, 32634}}), tie));
  memoised.push_back(grid(100, geokeys({{kModelType, 1}, {kRasterType, 2}, {kProjected, 32633}}), tie));
  memoised.push_back(grid(101, geokeys({{kModelType, 1}, {kRasterType, 1}, {kProjected, 32633}}), tie));
  memoised.push_back(grid(100, geokeys({{kModelType, 1}, {kProjected, 32633}}, {}, {{kCitation, "one"}}), tie));
  memoised.push_back(grid(100, geokeys({{kModelType, 1}, {kProjected, 32633}}, {}, {{kCitation, "two"}}), tie));
  memoised.push_back(
      grid(100, geokeys({{kModelType, 1}, {kRasterType, 1}, {kProjected, 32633}}), {0, 0, 0, 600000, 4600000, 0}));
  memoised.push_back(make_file(8, 8, {}));  // no GeoKeys, no georeferencing
  std::vector<File> unmemoised;
  unmemoised.push_back(
      make_file(100, 100, join({doubles(33922, many)}, geokeys({{kModelType, 1}, {kProjected, 32633}}))));
  unmemoised.push_back(grid(100, geokeys({{kModelType, 1}, {kProjected, 32633}}), many));

  CrsResolver resolver;
  GeoDeriver deriver(resolver);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < memoised.size(); ++i) {
      const File& f = memoised[i];
      expect_same_facts(deriver.derive(f.header, f.ifd(), f.keys), f, "memoised " + std::to_string(i));
    }
    for (std::size_t i = 0; i < unmemoised.size(); ++i) {
      const File& f = unmemoised[i];
      expect_same_facts(deriver.derive(f.header, f.ifd(), f.keys), f, "unmemoised " + std::to_string(i));
    }
  }
  EXPECT_EQ(deriver.memo_misses(), memoised.size());
  EXPECT_EQ(deriver.memo_hits(), 2 * memoised.size());

  // The resolver drops its CRSs: the memo must not hand out results that point at them.
  resolver.clear();
  const File& first = memoised.front();
  expect_same_facts(deriver.derive(first.header, first.ifd(), first.keys), first, "after clear");
  EXPECT_EQ(deriver.memo_misses(), memoised.size() + 1);

  // More grids than the footprint cache keeps: it starts over, and so must the memo.
  for (std::uint64_t w = 1; w <= GeoDeriver::kMaxFootprints + 8; ++w) {
    const File f = grid(w, geokeys({{kModelType, 1}, {kRasterType, 1}, {kProjected, 32633}}), tie);
    (void)deriver.derive(f.header, f.ifd(), f.keys);
  }
  for (std::size_t i = 0; i < memoised.size(); ++i) {
    const File& f = memoised[i];
    expect_same_facts(deriver.derive(f.header, f.ifd(), f.keys), f, "after eviction " + std::to_string(i));
  }
}

}  // namespace
}  // namespace tdump::geo::testing
