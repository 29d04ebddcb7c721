// Aggregates (src/report): counting, merge (associative and commutative: shards merge in any
// order), the JSON round trip, and from_json's refusal of what no run could have written.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <random>

#include "geo/derive.hpp"
#include "report/aggregates.hpp"
#include "report/html.hpp"
#include "tiff/cog.hpp"
#include "tiff/parser.hpp"
#include "tiff_builder.hpp"

namespace tdump::report {
namespace {

using nlohmann::json;

FileFacts file(std::uint64_t size, std::string crs, std::string compression, bool cog, double lon, double lat) {
  FileFacts f;
  f.size = size;
  f.crs = std::move(crs);
  f.compression = std::move(compression);
  f.dtype = "uint8";
  f.block = "tiles 512x512";
  f.overviews = 2;
  f.pixel_size = 10.0;
  f.is_cog = cog;
  if (!cog) f.cog_errors = {"not_tiled"};
  f.bbox = std::array<double, 4>{lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1};
  return f;
}

// A pseudo-random shard of `n` rows.
Aggregates shard(unsigned seed, int n) {
  std::mt19937 rng(seed);
  Aggregates a;
  const std::vector<std::string> crss{"EPSG:4326", "EPSG:32633", "none", "user-defined"};
  const std::vector<std::string> codecs{"deflate", "lzw", "none", "zstd"};
  for (int i = 0; i < n; ++i) {
    if (rng() % 7 == 0) {
      a.add_error("k" + std::to_string(rng() % 1000) + ".tif", rng() % 2 ? "fetch" : "parse",
                  rng() % 2 ? "not found" : "bad_magic");
      continue;
    }
    a.add(file(rng() % (1U << 30), crss[rng() % crss.size()], codecs[rng() % codecs.size()], rng() % 2 == 0,
               static_cast<double>(rng() % 360) - 180, static_cast<double>(rng() % 170) - 85));
  }
  a.set_run_totals(static_cast<std::uint64_t>(n) + 3, 0);
  return a;
}

TEST(Aggregates, CountsWhatItIsFed) {
  Aggregates a;
  a.add(file(1000, "EPSG:4326", "deflate", true, 10.5, 45.5));
  a.add(file(1024, "EPSG:4326", "lzw", false, 10.9, 45.1));
  a.add_error("bad<\xFF>.tif", "parse", "bad_magic");
  EXPECT_EQ(a.written(), 2U);
  EXPECT_EQ(a.failed(), 1U);
  EXPECT_EQ(a.crs().at("EPSG:4326"), 2U);
  EXPECT_EQ(a.cog().at("valid"), 1U);
  EXPECT_EQ(a.cog().at("invalid"), 1U);
  EXPECT_EQ(a.cog_errors().at("not_tiled"), 1U);
  EXPECT_EQ(a.size_sum(), 2024U);
  EXPECT_EQ(a.size_histogram()[10], 1U);                                                      // 1000 in [512, 1024)
  EXPECT_EQ(a.size_histogram()[11], 1U);                                                      // 1024 in [1024, 2048)
  EXPECT_EQ(a.resolution_projected()[static_cast<std::size_t>(3 - kResolutionMinLog2)], 2U);  // 10 in [8, 16)
  // Both centres lie in the 2-degree cell lon 10..12, lat 44..46: column 95, row 22.
  ASSERT_EQ(a.grid().size(), 1U);
  EXPECT_EQ(a.grid().begin()->first, 22U * kGridColumns + 95U);
  EXPECT_EQ(a.grid().begin()->second, 2U);
  // The example path is display_key()'s spelling of the key: valid UTF-8.
  EXPECT_EQ(a.errors().at("parse/bad_magic").examples, std::vector<std::string>{"bad<%FF>.tif"});
}

TEST(Aggregates, AntimeridianBboxCountsAtItsWrappedCentre) {
  // West 170, east -170: the centre is at 180 (= -180), not at 0.
  auto cell = Aggregates::cell_of({170, -1, -170, 1});
  ASSERT_TRUE(cell);
  EXPECT_EQ(*cell % kGridColumns, 0U);
  EXPECT_FALSE(Aggregates::cell_of({std::nan(""), 0, 1, 1}));
}

TEST(Aggregates, MergeIsAssociativeAndCommutative) {
  const Aggregates a = shard(1, 500), b = shard(2, 700), c = shard(3, 300);
  Aggregates ab_c = a;
  ab_c.merge(b);
  ab_c.merge(c);
  Aggregates bc = b;
  bc.merge(c);
  Aggregates a_bc = a;
  a_bc.merge(bc);
  EXPECT_EQ(ab_c.to_json(), a_bc.to_json());
  Aggregates cba = c;
  cba.merge(b);
  cba.merge(a);
  // Counts agree in any order (the example paths kept are the first ones met, so only counts).
  json x = ab_c.to_json(), y = cba.to_json();
  for (auto* j : {&x, &y}) {
    for (auto& [key, entry] : (*j)["errors"].items()) entry.erase("examples");
  }
  EXPECT_EQ(x, y);
  EXPECT_EQ(ab_c.written() + ab_c.failed(), 1500U);
  EXPECT_EQ(ab_c.listed(), 1509U);
}

TEST(Aggregates, JsonRoundTrip) {
  const Aggregates a = shard(7, 400);
  auto back = Aggregates::from_json(json::parse(a.to_json().dump()));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, a);
}

TEST(Aggregates, CategoriesAreBounded) {
  Aggregates a;
  for (int i = 0; i < 10'000; ++i) a.add(file(1, "EPSG:" + std::to_string(i), "deflate", true, 0, 0));
  EXPECT_EQ(a.crs().size(), kMaxCategories);
  EXPECT_EQ(a.crs().at(std::string(kOther)), 10'000 - (kMaxCategories - 1));
  for (int i = 0; i < 10'000; ++i) a.add_error("k", "parse", "kind" + std::to_string(i));
  EXPECT_EQ(a.errors().size(), kMaxErrorKinds);
  EXPECT_LE(a.to_json().dump().size(), 64U * 1024);
  EXPECT_TRUE(Aggregates::from_json(a.to_json()));
}

// A parsed file (the header points into `bytes`): IFD 0 (tw x th tiles, `compression`, or strips
// when tw is 0), then one IFD in its chain for each NewSubfileType of `subfile_types`.
struct ChainFile {
  std::vector<std::uint8_t> bytes;
  tiff::TiffHeader header;
};
std::unique_ptr<ChainFile> chain_file(std::uint64_t tw, std::uint64_t th, std::uint64_t compression,
                                      const std::vector<std::uint64_t>& subfile_types) {
  using tiff::testing::longs;
  using tiff::testing::shorts;
  tiff::testing::TiffBuilder b(tiff::ByteOrder::kLittle, false);
  const std::uint64_t pixels = b.append("pixels!!");
  auto ifd = [&](std::uint64_t subfile_type) {
    std::vector<tiff::testing::BuildEntry> e{longs(254, {subfile_type}), longs(256, {64}),           longs(257, {64}),
                                             shorts(258, {8}),           shorts(259, {compression}), shorts(262, {1})};
    if (tw == 0) {
      e.push_back(longs(273, {pixels}));
      e.push_back(shorts(277, {1}));
      e.push_back(longs(278, {64}));
      e.push_back(longs(279, {8}));
    } else {
      e.push_back(shorts(277, {1}));
      e.push_back(longs(322, {tw}));
      e.push_back(longs(323, {th}));
      e.push_back(longs(324, {pixels}));
      e.push_back(longs(325, {8}));
    }
    return b.add_ifd(e);
  };
  const std::uint64_t first = ifd(0);
  b.set_first_ifd(first);
  std::uint64_t previous = first;
  for (const std::uint64_t type : subfile_types) {
    const std::uint64_t next = ifd(type);
    b.set_next(previous, next);
    previous = next;
  }
  auto file = std::make_unique<ChainFile>();
  file->bytes = b.bytes();
  const tiff::ByteChunk chunk{0, file->bytes};
  EXPECT_EQ(tiff::HeaderParser().parse(tiff::FileBytes{std::span(&chunk, 1), file->bytes.size()}, file->header),
            tiff::ParseStatus::kComplete);
  return file;
}

// SharedAggregates counts a row by its kind, with the labels of the first row of that kind; the
// result must be what Aggregates::add(facts_of(...)) gives row by row, "other" included once a
// breakdown is full, and what the files were built with.
TEST(SharedAggregates, CountsAsFactsOfRowByRow) {
  std::vector<std::unique_ptr<ChainFile>> files;
  for (std::uint64_t i = 0; i < 300; ++i) {  // 300 block sizes: more than a breakdown keeps
    files.push_back(chain_file(16 * (i + 1), 16, i % 3 == 0 ? 8 : 65000 + i % 5, {1, 5, 1}));
  }
  files.push_back(chain_file(0, 0, 1, {}));  // strips, no overviews
  geo::Crs wgs84;
  wgs84.epsg = 4326;
  wgs84.geographic = true;
  geo::Crs custom;
  geo::GeoFacts geo_wgs84;
  geo_wgs84.crs = &wgs84;
  geo_wgs84.dtype = "uint8";
  geo_wgs84.geotransform = geo::GeoTransform{10, 0.5, 0, 50, 0, -0.5};
  geo_wgs84.footprint = geo::Footprint{geo::Box{10, 40, 11, 41}, geo::GeometryType::kPolygon, {}, 0};
  geo::GeoFacts geo_custom;
  geo_custom.crs = &custom;
  tiff::CogReport valid;
  valid.is_cog = true;
  tiff::CogReport invalid;
  invalid.is_cog = false;
  invalid.errors = {{tiff::CogRule::kNotTiled}, {tiff::CogRule::kMainDataOrder}, {tiff::CogRule::kNotTiled}};
  const tiff::CogReport unknown;

  SharedAggregates shared;
  Aggregates reference;
  std::mt19937 rng(11);
  std::uint64_t rows = 0;
  std::uint64_t tiles_16 = 0;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::size_t f = (i * 11 + static_cast<std::size_t>(round) * 5) % files.size();
      const geo::GeoFacts* geo = rng() % 3 == 0 ? nullptr : (rng() % 2 ? &geo_wgs84 : &geo_custom);
      const tiff::CogReport& cog = rng() % 3 == 0 ? valid : (rng() % 2 ? invalid : unknown);
      const std::optional<std::uint64_t> size = rng() % 4 == 0 ? std::nullopt : std::optional(rng() % 100000);
      shared.add_data(files[f]->header, cog, geo, size);
      reference.add(facts_of(files[f]->header, cog, geo, size));
      ++rows;
      if (f == 0) ++tiles_16;
    }
  }
  reference.set_run_totals(rows, 0);
  const json got = shared.to_json(rows, 0);
  EXPECT_EQ(got, reference.to_json());
  // Against the files as built: 300 block sizes and strips are more than a breakdown holds.
  EXPECT_EQ(got["block"].size(), kMaxCategories) << got.dump();
  EXPECT_EQ(got["block"]["tiles 16x16"], tiles_16);  // the first row's: never "other"
  EXPECT_TRUE(got["block"].contains(std::string(kOther)));
  EXPECT_EQ(got["overviews"]["2"], rows - 3);  // levels 1 and 3 (level 2 is a mask)
  EXPECT_EQ(got["overviews"]["0"], 3U);
  EXPECT_EQ(got["written"], rows);
}

TEST(Aggregates, FromJsonRejectsGarbageAndOversize) {
  const json good = shard(9, 50).to_json();
  auto with = [&](const std::string& pointer, json value) {
    json j = good;
    j[json::json_pointer(pointer)] = std::move(value);
    return j;
  };
  EXPECT_FALSE(Aggregates::from_json(json::array()));
  EXPECT_FALSE(Aggregates::from_json(json("text")));
  EXPECT_FALSE(Aggregates::from_json(with("/version", 2)));
  EXPECT_FALSE(Aggregates::from_json(with("/written", -1)));
  EXPECT_FALSE(Aggregates::from_json(with("/written", 1.5)));
  EXPECT_FALSE(Aggregates::from_json(with("/written", "12")));
  EXPECT_FALSE(Aggregates::from_json(with("/crs", json::array())));
  EXPECT_FALSE(Aggregates::from_json(with("/crs/EPSG:1", "many")));
  EXPECT_FALSE(Aggregates::from_json(with("/crs/" + std::string(kMaxLabelBytes + 1, 'x'), 1)));
  EXPECT_FALSE(Aggregates::from_json(with("/size_log2/65", 1)));
  EXPECT_FALSE(Aggregates::from_json(with("/size_log2/-1", 1)));
  EXPECT_FALSE(Aggregates::from_json(with("/size_log2/1e3", 1)));
  EXPECT_FALSE(Aggregates::from_json(with("/grid/16200", 1)));
  EXPECT_FALSE(Aggregates::from_json(with("/grid_degrees", 1)));
  EXPECT_FALSE(Aggregates::from_json(with("/errors/parse~1x", json{{"count", 1}, {"examples", {"a", "b", "c", "d"}}})));
  EXPECT_FALSE(
      Aggregates::from_json(with("/errors/parse~1x", json{{"count", 1}, {"examples", {std::string(4096, 'a')}}})));
  EXPECT_FALSE(Aggregates::from_json(with("/errors/parse~1x", json{{"count", 1}, {"examples", {1}}})));
  json many = json::object();
  for (std::size_t i = 0; i <= kMaxCategories; ++i) many["k" + std::to_string(i)] = 1;
  EXPECT_FALSE(Aggregates::from_json(with("/dtype", many)));
  json cells = json::object();
  for (int i = 0; i < 2; ++i) cells[std::to_string(i)] = 1;
  EXPECT_TRUE(Aggregates::from_json(with("/grid", cells)));
}

TEST(Aggregates, MergeSaturatesInsteadOfWrapping) {
  json j = shard(11, 10).to_json();
  j["written"] = std::numeric_limits<std::uint64_t>::max();
  auto a = Aggregates::from_json(j);
  ASSERT_TRUE(a);
  Aggregates sum = *a;
  sum.merge(*a);
  EXPECT_EQ(sum.written(), std::numeric_limits<std::uint64_t>::max());
}

TEST(ReportHtml, EscapesEverythingFromTheRun) {
  Aggregates a;
  a.add(file(10, "<script>alert(1)</script>", "deflate", true, 0, 0));
  a.add_error("<img src=x onerror=alert(1)>.tif", "parse", "bad\"kind");
  PageContext context;
  context.location = "out/<b>";
  context.stores = {"file:///x/'y'/"};
  const std::string html = render_html(a, context);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;.tif"), std::string::npos);
  EXPECT_NE(html.find("bad&quot;kind"), std::string::npos);
  // Nothing is fetched from anywhere.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_LT(html.size(), 300U * 1024);
}

TEST(ReportHtml, CellsOfAnyCountDrawWithoutOverflow) {
  // Found by fuzz/report: a cell of 0 files (no run writes one, a manifest may) made log(0).
  json j = shard(17, 10).to_json();
  j["grid"] = {{"0", 0}, {"1", 1}, {"2", 18446744073709551615ULL}};
  auto a = Aggregates::from_json(j);
  ASSERT_TRUE(a);
  EXPECT_NE(render_html(*a, {}).find("data-cells"), std::string::npos);
}

TEST(ReportHtml, PageStaysSmallWhenEveryBoundIsReached) {
  // Every grid cell, full breakdowns and error kinds with long examples: the largest page a run
  // can ask for.
  json j = shard(13, 10).to_json();
  for (int cell = 0; cell < kGridColumns * kGridRows; ++cell) j["grid"][std::to_string(cell)] = cell + 1;
  for (const char* name : {"crs", "compression", "dtype", "block", "overviews", "cog_errors"}) {
    json many = json::object();
    for (std::size_t i = 0; i < kMaxCategories; ++i)
      many[std::string(kMaxLabelBytes - 4, 'x') + std::to_string(i)] = i + 1;
    j[name] = many;
  }
  json errors = json::object();
  for (std::size_t i = 0; i < kMaxErrorKinds; ++i) {
    errors["parse/" + std::to_string(i)] = {
        {"count", 1},
        {"examples", json::array({std::string(kMaxExampleBytes, 'k'), std::string(kMaxExampleBytes, 'k'),
                                  std::string(kMaxExampleBytes, 'k')})}};
  }
  j["errors"] = errors;
  auto a = Aggregates::from_json(j);
  ASSERT_TRUE(a) << a.error().message;
  const std::string html = render_html(*a, {});
  // The grid is a handful of paths (~17 bytes a cell), the breakdowns show 20 rows each, the
  // error table 50 kinds with 3 examples of at most 512 bytes.
  EXPECT_LT(html.size(), 600U * 1024) << html.size();
  EXPECT_NE(html.find("206 more kinds"), std::string::npos);
  EXPECT_EQ(html.find("data-cell="), std::string::npos);
}

}  // namespace
}  // namespace tdump::report
