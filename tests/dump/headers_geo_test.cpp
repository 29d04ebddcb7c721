// The derived geo columns end to end: `tiff-dumper headers` over the geo fixtures, read back by
// DuckDB 1.5 as GeoParquet (geometry typed GEOMETRY('OGC:CRS84'), WKB round trip, every file's
// `geo` key describing its own rows), and by GDAL/rasterio for the values (tests/geo/geo_oracle.py).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "geo/derive.hpp"
#include "geo_fixtures.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"
#include "tiff/parser.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using tdump::testing::duckdb_queries;
using tdump::testing::duckdb_query;
using tdump::testing::TempDir;

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<double> number(const json& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return std::stod(v.get<std::string>());
  return v.get<double>();
}

// The geometry type of hex WKB (DuckDB's core has no ST_GeometryType: it is the spatial
// extension's). Byte order 01, then the type as a little-endian uint32.
std::string wkb_type(const std::string& hex_wkb) {
  auto type = hex_wkb.substr(2, 8);
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type == "03000000") return "Polygon";
  if (type == "06000000") return "MultiPolygon";
  return "other: " + type;
}

// Whether longitude interval [w2, e2] lies inside [w1, e1], either possibly across 180.
bool lon_inside(double w1, double e1, double w2, double e2) {
  auto len = [](double w, double e) { return w <= e ? e - w : e + 360 - w; };
  if (len(w1, e1) >= 360 - 1e-9) return true;  // the whole circle holds every span
  double offset = w2 - w1;
  while (offset < 0) offset += 360;
  while (offset >= 360) offset -= 360;
  return offset + len(w2, e2) <= len(w1, e1) + 1e-9;
}

class HeadersGeo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("e2e-geo");
    const fs::path store = dir_->path() / "store";
    fs::create_directories(store);
    for (const auto& f : fs::directory_iterator(tdump::geo::testing::geo_fixtures_dir())) {
      if (f.path().extension() == ".tif") fs::copy_file(f.path(), store / f.path().filename());
    }
    out_ = new fs::path(dir_->path() / "out");
    // Ten rows per file: several data files, each with its own `geo` metadata.
    auto config = write_config(dir_->path(), store.string(), {},
                               "concurrency:\n  n_consumers: 4\n  list_chunk_size: 10\n  write_chunk_size: 10\n"
                               "  max_buffer_size: 100\n");
    auto r = run_cli({"headers", "--quiet", config.string(), out_->string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete out_;
    delete dir_;
  }
  static TempDir* dir_;
  static fs::path* out_;
};
TempDir* HeadersGeo::dir_ = nullptr;
fs::path* HeadersGeo::out_ = nullptr;

TEST_F(HeadersGeo, GeometryIsAGeoParquetColumnForDuckDb) {
  auto types = duckdb_query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + data_files(*out_) +
                            ") WHERE column_name IN ('geometry', 'bbox', 'geotransform', 'crs_epsg')");
  std::map<std::string, std::string> by_name;
  for (const auto& row : types) by_name[row["column_name"]] = row["column_type"];
  EXPECT_EQ(by_name["geometry"], "GEOMETRY('OGC:CRS84')");
  EXPECT_EQ(by_name["bbox"], "STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)");
  EXPECT_EQ(by_name["geotransform"], "DOUBLE[]");
  EXPECT_EQ(by_name["crs_epsg"], "INTEGER");
  // A bbox exactly where there is a geometry (GeoParquet's covering rule), and some of each.
  auto counts = duckdb_query(
      "SELECT count(*) FILTER (WHERE geometry IS NOT NULL) AS g, count(*) FILTER (WHERE bbox IS NOT NULL) AS b, "
      "count(*) FILTER (WHERE (geometry IS NULL) <> (bbox IS NULL)) AS mismatched, count(*) AS n FROM " +
      data_files(*out_));
  EXPECT_EQ(counts[0]["mismatched"], "0");
  EXPECT_GE(std::stoi(counts[0]["g"].get<std::string>()), 30);
}

TEST_F(HeadersGeo, WkbRoundTripsThroughDuckDb) {
  // What DuckDB reads back as GEOMETRY and writes out again as WKB is, byte for byte, the
  // footprint src/geo makes for the same file.
  auto rows = duckdb_query("SELECT path, hex(ST_AsWKB(geometry)) AS wkb FROM " + data_files(*out_) +
                           " WHERE geometry IS NOT NULL ORDER BY path");
  ASSERT_GE(rows.size(), 30U);
  auto& deriver = tdump::geo::thread_geo_deriver();
  int multi = 0;
  for (const auto& row : rows) {
    const std::string path = row["path"];
    SCOPED_TRACE(path);
    const std::string data = tdump::testing::read_file(tdump::geo::testing::geo_fixtures_dir() / path);
    tiff::TiffHeader header;
    tiff::GeoKeySet keys;
    tiff::ByteChunk chunk{0, std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())};
    ASSERT_EQ(tiff::HeaderParser().parse(tiff::FileBytes{std::span(&chunk, 1), data.size()}, header),
              tiff::ParseStatus::kComplete);
    ASSERT_TRUE(tiff::decode_geokeys(header, header.ifds.front(), keys).ok());
    const auto& facts = deriver.derive(header, header.ifds.front(), keys);
    ASSERT_TRUE(facts.footprint);
    std::string expected = hex(facts.footprint->wkb);
    std::string got = row["wkb"];
    for (auto& c : got) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(got, expected);
    multi += wkb_type(got) == "MultiPolygon" ? 1 : 0;
  }
  EXPECT_GE(multi, 2);  // the antimeridian fixtures
}

TEST_F(HeadersGeo, EveryFileDescribesItsOwnRows) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(*out_)) {
    const auto name = entry.path().filename().string();
    if (name.rfind("part-", 0) != 0) continue;
    ++files;
    SCOPED_TRACE(name);
    const std::string file = sql_quote(entry.path().string());
    auto results = duckdb_queries(
        {"SELECT decode(value) AS v FROM parquet_kv_metadata(" + file + ") WHERE decode(key) = 'geo'",
         "SELECT bbox.xmin AS w, bbox.ymin AS s, bbox.xmax AS e, bbox.ymax AS n, hex(ST_AsWKB(geometry)) AS wkb "
         "FROM read_parquet(" +
             file + ") WHERE geometry IS NOT NULL",
         "SELECT count(*) AS n FROM read_parquet(" + file + ")"});
    ASSERT_EQ(results[0].size(), 1U);
    const json geo = json::parse(results[0][0]["v"].get<std::string>());
    EXPECT_EQ(geo["version"], "1.1.0");
    EXPECT_EQ(geo["primary_column"], "geometry");
    const json& col = geo["columns"]["geometry"];
    EXPECT_EQ(col["encoding"], "WKB");
    EXPECT_EQ(col["covering"]["bbox"]["xmin"], json({"bbox", "xmin"}));
    EXPECT_EQ(col["covering"]["bbox"]["ymax"], json({"bbox", "ymax"}));
    std::set<std::string> types;
    for (const auto& t : col["geometry_types"]) types.insert(t.get<std::string>());
    std::set<std::string> row_types;
    for (const auto& row : results[1]) {
      row_types.insert(wkb_type(row["wkb"]));
      // Every row's box lies in the file's box.
      ASSERT_TRUE(col.contains("bbox"));
      const auto& b = col["bbox"];
      const double w = *number(row["w"]), s = *number(row["s"]), e = *number(row["e"]), n = *number(row["n"]);
      EXPECT_TRUE(lon_inside(b[0], b[2], w, e)) << b << " " << w << " " << e;
      EXPECT_GE(s, b[1].get<double>());
      EXPECT_LE(n, b[3].get<double>());
    }
    EXPECT_EQ(types, row_types);
    if (results[1].empty()) {
      EXPECT_FALSE(col.contains("bbox"));
    }
  }
  EXPECT_GE(files, 3);
}

TEST_F(HeadersGeo, ColumnsAgreeWithGdalAndRasterio) {
  // A few values straight from the oracle script, for the row path (the oracle test covers every
  // fixture through the library).
  auto rows = duckdb_query("SELECT path, crs_epsg, dtype, geotransform, bounds, bbox FROM " + data_files(*out_) +
                           " ORDER BY path");
  json requests = json::array();
  for (const auto& row : rows) {
    requests.push_back({{"path", (tdump::geo::testing::geo_fixtures_dir() / row["path"].get<std::string>()).string()},
                        {"projjson", nullptr},
                        {"wkb", nullptr}});
  }
  auto script = tdump::testing::source_dir() / "tests/geo/geo_oracle.py";
  auto r = tdump::testing::run_command({"/usr/bin/python3", script.string()}, {}, requests.dump());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json oracle = json::parse(r.out);
  ASSERT_EQ(oracle.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& g = oracle[i];
    SCOPED_TRACE(row["path"].get<std::string>());
    if (g["epsg"].is_null()) {
      EXPECT_TRUE(row["crs_epsg"].is_null());
    } else {
      EXPECT_EQ(*number(row["crs_epsg"]), g["epsg"].get<double>());
    }
    if (g["geotransform"].is_null()) {
      EXPECT_TRUE(row["geotransform"].is_null());
    } else {
      ASSERT_EQ(row["geotransform"].size(), 6U);
      for (int k = 0; k < 6; ++k) EXPECT_DOUBLE_EQ(*number(row["geotransform"][k]), g["geotransform"][k].get<double>());
    }
  }
}

}  // namespace
}  // namespace tdump::dump::testing
