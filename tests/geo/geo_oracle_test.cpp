// The derived geo columns against GDAL and rasterio (tests/geo/geo_oracle.py) on every fixture of
// tests/fixtures/make_geo_fixtures.sh and make_tiff_fixtures.sh: EPSG code, CRS equivalence
// (GDAL's IsSame on our PROJJSON), geotransform, bounds, lon/lat bbox, footprint, dtype.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "geo/derive.hpp"
#include "geo_fixtures.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "tiff/parser.hpp"

namespace tdump::geo::testing {
namespace {

using nlohmann::json;

struct Ours {
  std::vector<std::uint8_t> bytes;
  tiff::TiffHeader header;
  tiff::GeoKeySet keys;
  std::optional<GeoTransform> gt;
  std::optional<Box> bounds;
  std::optional<std::int32_t> epsg;
  std::optional<std::string> projjson;
  std::optional<Box> bbox;
  std::optional<std::string> wkb_hex;
  std::optional<GeometryType> type;
  std::optional<std::string> dtype;
};

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

Ours derive_file(const std::filesystem::path& path, GeoDeriver& deriver) {
  Ours o;
  const std::string data = tdump::testing::read_file(path);
  o.bytes.assign(data.begin(), data.end());
  tiff::ByteChunk chunk{0, o.bytes};
  auto status = tiff::HeaderParser().parse(tiff::FileBytes{std::span(&chunk, 1), o.bytes.size()}, o.header);
  EXPECT_EQ(status, tiff::ParseStatus::kComplete) << path;
  if (status != tiff::ParseStatus::kComplete) return o;
  EXPECT_TRUE(tiff::decode_geokeys(o.header, o.header.ifds.front(), o.keys).ok()) << path;
  const GeoFacts& f = deriver.derive(o.header, o.header.ifds.front(), o.keys);
  o.gt = f.geotransform;
  o.bounds = f.bounds;
  if (f.crs != nullptr) {
    o.epsg = f.crs->epsg;
    o.projjson = f.crs->projjson;
  }
  if (f.footprint) {
    o.bbox = f.footprint->bbox;
    o.wkb_hex = hex(f.footprint->wkb);
    o.type = f.footprint->type;
  }
  if (f.dtype) o.dtype = std::string(*f.dtype);
  return o;
}

// rasterio's bbox with our one documented difference: longitudes wrapped into [-180, 180]
// (GeoParquet's and RFC 7946's form; rasterio passes a geographic file's own longitudes through).
std::array<double, 4> normalized(std::array<double, 4> b) {
  const double span = b[2] - b[0];
  if (b[0] <= b[2] && (b[0] < -180 || b[2] > 180)) {
    if (span >= 360) return {-180, b[1], 180, b[3]};
    double west = b[0];
    while (west < -180) west += 360;
    while (west > 180) west -= 360;
    double east = west + span;
    if (east > 180) east -= 360;
    return {west, b[1], east, b[3]};
  }
  return b;
}

bool near(double a, double b, double tol) {
  return std::abs(a - b) <= tol * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

// Our dtype where it deliberately differs from GDAL's reading of the file (docs/geo.md).
const std::map<std::string, std::optional<std::string>> kDtypeDifferences = {
    {"dtype_float16.tif", "float16"},  // GDAL 3.6 reads 16-bit floats as Float32
    // rasterio/GDAL name CInt16/CInt32 complex_int16/complex64; numpy has no complex integers
    {"type_cint16.tif", std::nullopt},
    {"type_cint32.tif", std::nullopt},
};

class GeoOracle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    files_ = new std::vector<std::filesystem::path>(all_fixtures());
    ours_ = new std::vector<Ours>();
    GeoDeriver& deriver = thread_geo_deriver();
    json requests = json::array();
    for (const auto& f : *files_) {
      ours_->push_back(derive_file(f, deriver));
      const Ours& o = ours_->back();
      requests.push_back({{"path", f.string()},
                          {"projjson", o.projjson ? json(*o.projjson) : json(nullptr)},
                          {"wkb", o.wkb_hex ? json(*o.wkb_hex) : json(nullptr)}});
    }
    auto script = std::filesystem::path(TDUMP_SOURCE_DIR) / "tests/geo/geo_oracle.py";
    auto r = tdump::testing::run_command({"/usr/bin/python3", script.string()}, {}, requests.dump());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    oracle_ = new json(json::parse(r.out));
  }
  static void TearDownTestSuite() {
    delete files_;
    delete ours_;
    delete oracle_;
  }

  template <typename Check>
  void for_each(Check check) {
    ASSERT_EQ(oracle_->size(), ours_->size());
    for (std::size_t i = 0; i < ours_->size(); ++i) {
      SCOPED_TRACE((*files_)[i].filename().string());
      check((*files_)[i].filename().string(), (*ours_)[i], (*oracle_)[i]);
    }
  }

  static std::vector<std::filesystem::path>* files_;
  static std::vector<Ours>* ours_;
  static json* oracle_;
};
std::vector<std::filesystem::path>* GeoOracle::files_ = nullptr;
std::vector<Ours>* GeoOracle::ours_ = nullptr;
json* GeoOracle::oracle_ = nullptr;

TEST_F(GeoOracle, CoversTheCases) {
  // The generators must have produced what the checks below rely on.
  std::set<std::string> names;
  for (const auto& f : *files_) names.insert(f.filename().string());
  for (const char* must :
       {"epsg_4326.tif", "epsg_32733_utm_south.tif", "epsg_3031_south_pole.tif", "user_lcc_nad83.tif",
        "user_tm_towgs84.tif", "pixel_is_point.tif", "rotated_matrix.tif", "antimeridian_32660.tif",
        "no_georeferencing.tif", "south_up_matrix.tif", "cog_deflate_rgb.tif", "type_cfloat64.tif"}) {
    EXPECT_TRUE(names.count(must)) << must;
  }
  EXPECT_GE(files_->size(), 100U);
}

TEST_F(GeoOracle, GeotransformIsGdals) {
  int compared = 0;
  for_each([&](const std::string&, const Ours& o, const json& g) {
    if (g["geotransform"].is_null()) {
      EXPECT_FALSE(o.gt.has_value());
      return;
    }
    ASSERT_TRUE(o.gt.has_value());
    for (int k = 0; k < 6; ++k) EXPECT_TRUE(near((*o.gt)[k], g["geotransform"][k].get<double>(), 1e-12)) << k;
    ++compared;
  });
  EXPECT_GE(compared, 80);
}

TEST_F(GeoOracle, BoundsAreRasterios) {
  for_each([&](const std::string&, const Ours& o, const json& g) {
    if (g["bounds"].is_null()) {
      EXPECT_FALSE(o.bounds.has_value());
      return;
    }
    ASSERT_TRUE(o.bounds.has_value());
    // rasterio keeps (left, bottom, right, top) as the geotransform gives them (bottom > top for
    // a south-up raster); ours are the extent.
    const auto& b = g["bounds"];
    const double xmin = std::min(b[0].get<double>(), b[2].get<double>());
    const double xmax = std::max(b[0].get<double>(), b[2].get<double>());
    const double ymin = std::min(b[1].get<double>(), b[3].get<double>());
    const double ymax = std::max(b[1].get<double>(), b[3].get<double>());
    EXPECT_TRUE(near(o.bounds->xmin, xmin, 1e-12)) << o.bounds->xmin << " " << xmin;
    EXPECT_TRUE(near(o.bounds->ymin, ymin, 1e-12)) << o.bounds->ymin << " " << ymin;
    EXPECT_TRUE(near(o.bounds->xmax, xmax, 1e-12)) << o.bounds->xmax << " " << xmax;
    EXPECT_TRUE(near(o.bounds->ymax, ymax, 1e-12)) << o.bounds->ymax << " " << ymax;
  });
}

TEST_F(GeoOracle, EpsgIsRasterios) {
  int coded = 0;
  for_each([&](const std::string&, const Ours& o, const json& g) {
    if (g["epsg"].is_null()) {
      EXPECT_FALSE(o.epsg.has_value()) << *o.epsg;
    } else {
      ASSERT_TRUE(o.epsg.has_value()) << g["epsg"];
      EXPECT_EQ(*o.epsg, g["epsg"].get<int>());
      ++coded;
    }
  });
  EXPECT_GE(coded, 60);
}

TEST_F(GeoOracle, CrsIsTheSameAsGdals) {
  int same = 0;
  for_each([&](const std::string&, const Ours& o, const json& g) {
    EXPECT_EQ(o.projjson.has_value(), g["has_crs"].get<bool>());
    if (!g["same_crs"].is_null()) {
      EXPECT_TRUE(g["same_crs"].get<bool>()) << "ours: " << g["ours_wkt"] << "\ngdal: " << g["gdal_wkt"];
      ++same;
    }
  });
  EXPECT_GE(same, 80);
}

TEST_F(GeoOracle, BboxIsRasteriosTransformBounds) {
  int compared = 0;
  for_each([&](const std::string& name, const Ours& o, const json& g) {
    if (g["bbox"].is_null()) {
      EXPECT_FALSE(o.bbox.has_value()) << name;
      return;
    }
    ASSERT_TRUE(o.bbox.has_value());
    auto expected = normalized({g["bbox"][0].get<double>(), g["bbox"][1].get<double>(), g["bbox"][2].get<double>(),
                                g["bbox"][3].get<double>()});
    const std::array<double, 4> ours = {o.bbox->xmin, o.bbox->ymin, o.bbox->xmax, o.bbox->ymax};
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(ours[k], expected[k], 1e-7) << k;
    ++compared;
  });
  EXPECT_GE(compared, 80);
}

TEST_F(GeoOracle, FootprintIsGdalsOutline) {
  int compared = 0;
  for_each([&](const std::string&, const Ours& o, const json& g) {
    if (!o.wkb_hex) return;
    const json& geom = g["geometry"];
    EXPECT_TRUE(geom["valid"].get<bool>()) << geom;
    // The geometry lies in its bbox covering (GeoParquet), across the antimeridian too.
    const auto& env = geom["envelope"];  // minx, maxx, miny, maxy
    EXPECT_GE(env[2].get<double>(), o.bbox->ymin - 1e-9);
    EXPECT_LE(env[3].get<double>(), o.bbox->ymax + 1e-9);
    if (o.bbox->xmin <= o.bbox->xmax) {
      EXPECT_GE(env[0].get<double>(), o.bbox->xmin - 1e-9);
      EXPECT_LE(env[1].get<double>(), o.bbox->xmax + 1e-9);
      EXPECT_EQ(*o.type, GeometryType::kPolygon);
    } else {
      EXPECT_EQ(*o.type, GeometryType::kMultiPolygon);
    }
    if (geom.contains("symdiff_ratio")) {
      // Where the ring is cut at the antimeridian (across it, or around a pole) GDAL places the
      // cut a little differently (its crossing latitude is not interpolated linearly in degrees).
      const bool cut =
          env[2].get<double>() == -90 || env[3].get<double>() == 90 || *o.type == GeometryType::kMultiPolygon;
      EXPECT_LT(geom["symdiff_ratio"].get<double>(), cut ? 1e-5 : 1e-9) << geom;
      ++compared;
    }
  });
  EXPECT_GE(compared, 70);
}

TEST_F(GeoOracle, DtypeIsGdals) {
  for_each([&](const std::string& name, const Ours& o, const json& g) {
    std::optional<std::string> expected;
    if (auto it = kDtypeDifferences.find(name); it != kDtypeDifferences.end()) {
      expected = it->second;
    } else if (!g["dtype"].is_null()) {
      expected = g["dtype"].get<std::string>();
    }
    EXPECT_EQ(o.dtype, expected);
  });
}

}  // namespace
}  // namespace tdump::geo::testing
