// `tiff-dumper headers` end to end over a local store of real fixtures (GDAL/libtiff-made and
// hand-broken ones): every TIFF key exactly once, values against gdalinfo / tiffinfo / listgeo,
// one schema for every file, resume after SIGKILL, SIGTERM, shards, refusals.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"
#include "tool_outputs.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using tdump::testing::duckdb_query;
using tdump::testing::TempDir;
using tdump::testing::write_file;

// A store folder: every valid fixture under two prefixes, the broken ones, and non-TIFF keys.
class LocalStore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("e2e-store");
    root_ = dir_->path() / "store";
    copy_fixture_tree(root_, {"valid/a/"});
    // The same bytes under another prefix and an upper-case suffix: separate keys.
    auto fixtures = tdump::tiff::testing::valid_fixtures();
    ASSERT_GE(fixtures.size(), 40U);
    fs::create_directories(root_ / "valid/b c");
    fs::copy_file(fixtures[0], root_ / "valid/b c/Upper Case.TIFF");
    write_file(root_ / "valid/a/readme.txt", "not a tiff");
    write_file(root_ / "valid/a/x.tif.aux.xml", "<PAMDataset/>");
    write_file(root_ / "notes.json", "{}");
  }
  static void TearDownTestSuite() { delete dir_; }

  static TempDir* dir_;
  static fs::path root_;
};
TempDir* LocalStore::dir_ = nullptr;
fs::path LocalStore::root_;

TEST_F(LocalStore, EveryTiffKeyExactlyOnceAndNothingElse) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  auto config = write_config(tmp.path(), root_.string());
  auto r = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << "per-file errors (the broken files) give exit code 1\n" << r.err;

  auto expected = tiff_keys_under(root_);
  auto written = keys_written(out);
  ASSERT_EQ(written.size(), expected.size());
  for (const auto& key : expected) EXPECT_EQ(written[key], 1) << key;
  EXPECT_EQ(written.count("valid/a/readme.txt"), 0U);
  EXPECT_EQ(written.count("valid/a/x.tif.aux.xml"), 0U);
  EXPECT_TRUE(stray_files(out).empty());
  EXPECT_TRUE(fs::exists(out / "_SUCCESS"));

  // Every broken file gets the verdict the generator meant: an error row of stage parse with its
  // kind, or a data row whose `warnings` has one line per expected warning.
  auto errors = duckdb_query("SELECT path, stage, kind, message FROM " + error_files(out));
  std::map<std::string, std::string> kinds;
  for (const auto& row : errors) {
    EXPECT_EQ(row["stage"], "parse") << row.dump();
    EXPECT_FALSE(row["message"].get<std::string>().empty());
    kinds[row["path"].get<std::string>()] = row["kind"].get<std::string>();
  }
  auto rows = duckdb_query("SELECT path, len(warnings) AS n FROM " + data_files(out) + " WHERE path LIKE 'broken/%'");
  std::map<std::string, std::int64_t> warnings;
  for (const auto& row : rows) warnings[row["path"].get<std::string>()] = as_int(row["n"]);
  for (const auto& [name, verdict] : tdump::tiff::testing::broken_fixtures()) {
    if (tdump::tiff::testing::is_error_verdict(verdict)) {
      EXPECT_EQ(kinds["broken/" + name], verdict) << name;
      continue;
    }
    EXPECT_EQ(kinds.count("broken/" + name), 0U) << name;
    ASSERT_EQ(warnings.count("broken/" + name), 1U) << name;
    const auto expected = verdict == "ok" ? 0 : std::count(verdict.begin(), verdict.end(), ',') + 1;
    EXPECT_EQ(warnings["broken/" + name], expected) << name << ": " << verdict;
  }
}

TEST_F(LocalStore, ValuesMatchGdalLibtiffAndListgeo) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  auto config = write_config(tmp.path(), root_.string(), "filter:\n  include: ['valid/a/*']\n");
  auto r = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = duckdb_query(
      "SELECT path, size, image_width, image_height, bits_per_sample, compression, tile_width, tile_height, "
      "rows_per_strip, photometric_interpretation, sample_format, samples_per_pixel, ifd_count, bigtiff, byte_order, "
      "model_pixel_scale, model_tiepoint, nodata, to_json(geokeys) AS geokeys, ifds FROM " +
      data_files(out));
  std::map<std::string, nlohmann::json> by_path;
  for (auto& row : rows) by_path[row["path"].get<std::string>()] = row;
  auto fixtures = tdump::tiff::testing::valid_fixtures();
  ASSERT_EQ(by_path.size(), fixtures.size());

  for (const auto& file : fixtures) {
    SCOPED_TRACE(file.filename().string());
    const auto& row = by_path.at("valid/a/" + file.filename().string());
    EXPECT_EQ(as_int(row["size"]), static_cast<std::int64_t>(fs::file_size(file)));
    auto dump = tdump::tiff::testing::run_tiffdump(file);
    EXPECT_EQ(row["bigtiff"].get<bool>(), dump.bigtiff);
    EXPECT_EQ(row["byte_order"], dump.big_endian ? "MM" : "II");
    EXPECT_EQ(as_int(row["ifd_count"]), static_cast<std::int64_t>(dump.ifds.size()));

    auto info = tdump::tiff::testing::run_tiffinfo(file);
    ASSERT_FALSE(info.empty());
    const auto& first = info.front();
    if (first.width) EXPECT_EQ(as_int(row["image_width"]), static_cast<std::int64_t>(*first.width));
    if (first.height) EXPECT_EQ(as_int(row["image_height"]), static_cast<std::int64_t>(*first.height));
    if (first.tile_width) EXPECT_EQ(as_int(row["tile_width"]), static_cast<std::int64_t>(*first.tile_width));
    if (first.tile_height) EXPECT_EQ(as_int(row["tile_height"]), static_cast<std::int64_t>(*first.tile_height));
    if (first.samples) EXPECT_EQ(as_int(row["samples_per_pixel"]), static_cast<std::int64_t>(*first.samples));
    if (first.bits && !row["bits_per_sample"].is_null()) {
      EXPECT_EQ(as_int(row["bits_per_sample"][0]), static_cast<std::int64_t>(*first.bits));
    }
    // The further IFDs of the chain, in order.
    const auto expected_ifds = info.size() - 1;
    if (expected_ifds == 0) {
      EXPECT_TRUE(row["ifds"].is_null());
    } else {
      ASSERT_EQ(row["ifds"].size(), expected_ifds);
      for (std::size_t i = 1; i < info.size(); ++i) {
        const auto& ifd = row["ifds"][i - 1];
        if (info[i].width) EXPECT_EQ(as_int(ifd["width"]), static_cast<std::int64_t>(*info[i].width));
        if (info[i].height) EXPECT_EQ(as_int(ifd["height"]), static_cast<std::int64_t>(*info[i].height));
        if (info[i].subfile_type) {
          EXPECT_EQ(as_int(ifd["new_subfile_type"]), static_cast<std::int64_t>(*info[i].subfile_type));
        }
      }
    }

    auto gdal = tdump::tiff::testing::run_gdalinfo(file);
    if (gdal.contains("size")) {
      EXPECT_EQ(as_int(row["image_width"]), gdal["size"][0].get<std::int64_t>());
      EXPECT_EQ(as_int(row["image_height"]), gdal["size"][1].get<std::int64_t>());
    }
    if (gdal.contains("bands") && !gdal["bands"].empty() && gdal["bands"][0].contains("noDataValue")) {
      const auto& nodata = gdal["bands"][0]["noDataValue"];
      ASSERT_FALSE(row["nodata"].is_null());
      if (nodata.is_number()) {
        EXPECT_DOUBLE_EQ(std::stod(row["nodata"].get<std::string>()), nodata.get<double>());
      }
    }

    auto geo = tdump::tiff::testing::run_listgeo(file);
    if (!geo.has_geotiff) continue;
    if (row["geokeys"].is_null()) {
      EXPECT_TRUE(geo.keys.empty()) << "listgeo found GeoKeys the row does not have";
      continue;
    }
    auto geokeys = nlohmann::json::parse(row["geokeys"].get<std::string>());
    static const std::map<std::string, std::string> kListgeoToColumn = {
        {"GTModelTypeGeoKey", "model_type"},
        {"GTRasterTypeGeoKey", "raster_type"},
        {"GTCitationGeoKey", "citation"},
        {"GeographicTypeGeoKey", "geographic_type"},
        {"GeodeticCRSGeoKey", "geographic_type"},
        {"GeogCitationGeoKey", "geog_citation"},
        {"GeodeticCitationGeoKey", "geog_citation"},
        {"GeogAngularUnitsGeoKey", "geog_angular_units"},
        {"ProjectedCSTypeGeoKey", "projected_type"},
        {"ProjectedCRSGeoKey", "projected_type"},
        {"ProjLinearUnitsGeoKey", "proj_linear_units"},
        {"GeogSemiMajorAxisGeoKey", "geog_semi_major_axis"},
        {"ProjectionGeoKey", "projection"},
        {"ProjCoordTransGeoKey", "proj_coord_trans"},
        {"VerticalCSTypeGeoKey", "vertical"},
        {"VerticalUnitsGeoKey", "vertical_units"},
    };
    for (const auto& key : geo.keys) {
      auto it = kListgeoToColumn.find(key.name);
      if (it == kListgeoToColumn.end() || key.count != 1 || key.type == "Ascii") {
        if (it != kListgeoToColumn.end() && key.type == "Ascii") {
          std::string value = geokeys[it->second].is_null() ? "" : geokeys[it->second].get<std::string>();
          EXPECT_EQ(value, key.value) << key.name;
        }
        continue;
      }
      ASSERT_FALSE(geokeys[it->second].is_null()) << key.name;
      if (key.type == "Short") {
        // listgeo prints a name for known codes: compare the number where it printed one.
        try {
          EXPECT_EQ(geokeys[it->second].get<std::int64_t>(), std::stoll(key.value)) << key.name;
        } catch (const std::invalid_argument&) {
        }
      } else {
        EXPECT_NEAR(geokeys[it->second].get<double>(), std::stod(key.value), 1e-9 * std::abs(std::stod(key.value)))
            << key.name;
      }
    }
    if (!geo.pixel_scale.empty()) {
      ASSERT_EQ(row["model_pixel_scale"].size(), geo.pixel_scale.size());
      for (std::size_t i = 0; i < geo.pixel_scale.size(); ++i) {
        EXPECT_NEAR(row["model_pixel_scale"][i].get<double>(), geo.pixel_scale[i], 1e-9);
      }
    }
    if (!geo.tiepoints.empty()) {
      ASSERT_EQ(row["model_tiepoint"].size(), geo.tiepoints.size());
      for (std::size_t i = 0; i < geo.tiepoints.size(); ++i) {
        EXPECT_NEAR(row["model_tiepoint"][i].get<double>(), geo.tiepoints[i], 1e-6);
      }
    }
  }
}

TEST_F(LocalStore, EveryFileHasTheSameSchemaAndObjectFieldsMatchTheListing) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  // 10 rows a file: several data files; the error files hold the broken ones.
  auto config = write_config(tmp.path(), root_.string(), {},
                             "concurrency:\n  n_consumers: 4\n  list_chunk_size: 5\n  write_chunk_size: 10\n"
                             "  max_buffer_size: 20\n");
  auto r = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto schemas = duckdb_query(
      "SELECT file_name, string_agg(name || ':' || coalesce(type, '') || ':' || coalesce(converted_type, '') || ':' "
      "|| coalesce(repetition_type, '') || ':' || coalesce(logical_type, ''), ',') AS s FROM parquet_schema(" +
      sql_quote((out / "part-*.parquet").string()) + ") GROUP BY file_name");
  ASSERT_GE(schemas.size(), 4U);
  for (const auto& s : schemas) EXPECT_EQ(s["s"], schemas[0]["s"]) << s["file_name"];
  // A file whose rows have no geokeys at all still has every geokey column (no inferred schema).
  auto geokey_columns = duckdb_query("SELECT count(*) AS n FROM parquet_schema(" +
                                     sql_quote((out / "part-00000-000001.parquet").string()) +
                                     ") WHERE name IN ('proj_straight_vert_pole_long', 'vertical_units')");
  EXPECT_EQ(as_int(geokey_columns[0]["n"]), 2);

  auto rows = duckdb_query("SELECT path, size, epoch_us(last_modified) AS mtime_us, etag, url FROM " + data_files(out));
  for (const auto& row : rows) {
    auto path = root_ / row["path"].get<std::string>();
    SCOPED_TRACE(path.string());
    EXPECT_EQ(as_int(row["size"]), static_cast<std::int64_t>(fs::file_size(path)));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    std::int64_t mtime_us = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
    EXPECT_EQ(as_int(row["mtime_us"]), mtime_us);
    EXPECT_FALSE(row["etag"].is_null());
    EXPECT_EQ(row["url"].get<std::string>().rfind("file://", 0), 0U);
  }
}

// Many keys (hard links to the fixtures: distinct keys, no copies) so a run lasts long enough to
// be killed in the middle.
class ManyKeys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("e2e-many");
    root_ = dir_->path() / "store";
    auto fixtures = tdump::tiff::testing::valid_fixtures();
    for (int d = 0; d < 40; ++d) {
      auto sub = root_ / ("d" + std::to_string(d));
      fs::create_directories(sub);
      for (std::size_t i = 0; i < fixtures.size(); ++i) {
        fs::create_hard_link(fixtures[i], sub / ("f" + std::to_string(i) + ".tif"));
      }
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string concurrency() {
    return "concurrency:\n  n_consumers: 8\n  list_chunk_size: 50\n  write_chunk_size: 100\n  max_buffer_size: 500\n";
  }
  static TempDir* dir_;
  static fs::path root_;
};
TempDir* ManyKeys::dir_ = nullptr;
fs::path ManyKeys::root_;

bool has_committed_file(const fs::path& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out, ec)) {
    const auto name = entry.path().filename().string();
    if ((name.starts_with("part-") || name.starts_with("errors-")) && name.ends_with(".parquet")) return true;
  }
  return false;
}

TEST_F(ManyKeys, ResumeAfterSigkillAtAnyMomentWritesEveryKeyExactlyOnce) {
  const auto expected = tiff_keys_under(root_);
  ASSERT_GT(expected.size(), 1500U);
  // How long a whole run takes here, and when it commits its first file (a run first builds
  // its CRS caches, which takes a while), so the kills land before the first commit, during the
  // run and near its end.
  std::chrono::milliseconds full{0};
  std::chrono::milliseconds first_commit{0};
  {
    TempDir tmp;
    auto config = write_config(tmp.path(), root_.string(), {}, concurrency());
    const auto out = tmp.path() / "out";
    auto t0 = std::chrono::steady_clock::now();
    auto child = start_cli({"headers", "--quiet", config.string(), out.string()}, tmp.path() / "log");
    while (child.running() && !has_committed_file(out)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    first_commit = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_EQ(child.wait(std::chrono::seconds(120)), 0);
    full = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  }
  int killed_mid_run = 0;  // kills that left committed files and no manifest
  for (double fraction : {-0.5, 0.1, 0.3, 0.5, 0.7, 0.9}) {
    // Negative: before the first commit; else that fraction of the way from it to the end.
    const double at = fraction < 0 ? static_cast<double>(first_commit.count()) * (1 + fraction)
                                   : static_cast<double>(first_commit.count()) +
                                         static_cast<double>((full - first_commit).count()) * fraction;
    auto delay = std::chrono::milliseconds(static_cast<long>(at));
    SCOPED_TRACE("killed after " + std::to_string(delay.count()) + " ms of a " + std::to_string(full.count()) +
                 " ms run");
    TempDir tmp;
    auto out = tmp.path() / "out";
    auto config = write_config(tmp.path(), root_.string(), {}, concurrency());
    {
      auto child = start_cli({"headers", "--quiet", config.string(), out.string()}, tmp.path() / "log");
      std::this_thread::sleep_for(delay);
      child.signal(SIGKILL);
      child.wait(std::chrono::seconds(10));
    }
    // A rerun without --resume refuses to mix, once the first attempt committed any Parquet file
    // (a keys sidecar alone is not a commit: it is written before its file's rename).
    bool committed = has_committed_file(out);
    if (committed && !fs::exists(out / "_SUCCESS")) ++killed_mid_run;
    if (committed) {
      auto again = run_cli({"headers", "--quiet", config.string(), out.string()});
      EXPECT_EQ(again.exit_code, 2) << again.err;
      EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
    }
    auto resumed = run_cli({"headers", "--quiet", "--resume", config.string(), out.string()});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    auto written = keys_written(out);
    ASSERT_EQ(written.size(), expected.size());
    for (const auto& [key, n] : written) ASSERT_EQ(n, 1) << key;
    EXPECT_TRUE(stray_files(out).empty());
    EXPECT_TRUE(fs::exists(out / "_SUCCESS"));
  }
  EXPECT_GE(killed_mid_run, 2) << "the kills did not interrupt runs in the middle: the test proved nothing";
}

TEST_F(ManyKeys, SigtermFlushesWhatIsDoneAndExitsCleanly) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  auto config = write_config(tmp.path(), root_.string(), {}, concurrency());
  // Half the keys through a FIFO the test keeps open: the run cannot finish before the signal,
  // and its lister is blocked reading more keys when the signal comes.
  const auto fifo = tmp.path() / "keys.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // Linux: does not wait for a reader
  ASSERT_GE(writer, 0);
  const auto all_keys = tiff_keys_under(root_);
  std::string first_half;
  std::size_t n = 0;
  for (const auto& key : all_keys) {
    if (n++ == all_keys.size() / 2) break;
    first_half += key + "\n";
  }
  auto child = start_cli({"headers", "--keys", fifo.string(), config.string(), out.string()}, tmp.path() / "log");
  for (std::size_t off = 0; off < first_half.size();) {
    const auto written = ::write(writer, first_half.data() + off, first_half.size() - off);
    ASSERT_GT(written, 0);
    off += static_cast<std::size_t>(written);
  }
  for (int i = 0; i < 600 && !has_committed_file(out); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(has_committed_file(out)) << tdump::testing::read_file(tmp.path() / "log");
  child.signal(SIGTERM);
  auto code = child.wait(std::chrono::seconds(30));
  ::close(writer);
  ASSERT_TRUE(code.has_value()) << "no exit within 30 s of SIGTERM";
  auto log = tdump::testing::read_file(tmp.path() / "log");
  EXPECT_EQ(*code, 128 + SIGTERM) << log;
  EXPECT_NE(log.find("interrupted"), std::string::npos) << log;
  EXPECT_NE(log.find("--resume"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(out / "_SUCCESS"));
  EXPECT_TRUE(stray_files(out).empty());
  // What was in flight and in the batches was written: the rows and the sidecars agree.
  auto written = keys_written(out);
  std::size_t sidecar_keys = 0;
  for (const auto& e : fs::directory_iterator(out / "_tiff_dumper/keys")) {
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) ++sidecar_keys;
  }
  EXPECT_EQ(written.size(), sidecar_keys);
  auto resumed = run_cli({"headers", "--quiet", "--resume", config.string(), out.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(keys_written(out).size(), tiff_keys_under(root_).size());
}

TEST_F(ManyKeys, FourShardsAreDisjointAndTheirUnionIsTheWholeRun) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  auto config = write_config(tmp.path(), root_.string(), {}, concurrency());
  std::map<std::string, int> all;
  for (int i = 0; i < 4; ++i) {
    auto r = run_cli({"headers", "--quiet", "--shard", std::to_string(i) + "/4", config.string(), out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out / ("_SUCCESS-0000" + std::to_string(i) + "-of-00004")));
  }
  auto written = keys_written(out);
  auto expected = tiff_keys_under(root_);
  ASSERT_EQ(written.size(), expected.size());
  for (const auto& [key, n] : written) EXPECT_EQ(n, 1) << key;
  // Each shard wrote a fair part.
  auto per_shard = duckdb_query(
      "SELECT regexp_extract(filename, 'part-(\\d+)-', 1) AS shard, count(*) AS n FROM "
      "read_parquet(" +
      sql_quote((out / "part-*.parquet").string()) + ", filename=true) GROUP BY shard");
  ASSERT_EQ(per_shard.size(), 4U);
  for (const auto& s : per_shard) EXPECT_GT(as_int(s["n"]), static_cast<std::int64_t>(expected.size() / 8));
  // The scheduler variables pick the same part as --shard.
  TempDir tmp2;
  auto out2 = tmp2.path() / "out";
  auto r =
      run_cli({"headers", "--quiet", "--shards", "4", config.string(), out2.string()}, {{"JOB_COMPLETION_INDEX", "2"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto shard2 = duckdb_query("SELECT count(*) AS n FROM " + data_files(out2));
  auto shard2_first = duckdb_query("SELECT count(*) AS n FROM read_parquet(" +
                                   sql_quote((out / "part-00002-*.parquet").string()) + ")");
  EXPECT_EQ(as_int(shard2[0]["n"]), as_int(shard2_first[0]["n"]));
}

TEST_F(ManyKeys, DryRunCountsWithoutWriting) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  auto config = write_config(tmp.path(), root_.string(), {}, concurrency());
  auto r = run_cli({"headers", "--dry-run", config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dry run: " + std::to_string(tiff_keys_under(root_).size()) + " TIFF keys listed"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ManyKeys, KeysFromAFileInsteadOfListing) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  auto config = write_config(tmp.path(), root_.string(), {}, concurrency());
  write_file(tmp.path() / "keys.txt", "# a previous run's failures\nd1/f0.tif\n\nd2/f3.tif\nd9/missing.tif\n");
  auto r = run_cli({"headers", "--quiet", "--keys", (tmp.path() / "keys.txt").string(), config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto written = keys_written(out);
  EXPECT_EQ(written.size(), 3U);
  auto missing = duckdb_query("SELECT stage, kind FROM " + error_files(out) + " WHERE path = 'd9/missing.tif'");
  ASSERT_EQ(missing.size(), 1U);
  EXPECT_EQ(missing[0]["stage"], "fetch");
  EXPECT_EQ(missing[0]["kind"], "not found");
}

// Empty objects finish inside the read that starts them (nothing to fetch), so a long run of them
// must not nest one header's completion inside the previous one's without bound.
TEST(HeadersLocal, TwentyThousandEmptyTiffsInARowAreEachOneErrorRow) {
  TempDir tmp;
  const auto root = tmp.path() / "store";
  fs::create_directories(root / "empty");
  constexpr int kEmpty = 20000;
  for (int i = 0; i < kEmpty; ++i) std::ofstream(root / "empty" / ("e" + std::to_string(i) + ".tif"));
  auto out = tmp.path() / "out";
  auto config = write_config(
      tmp.path(), root.string(), {},
      "concurrency:\n  n_consumers: 4\n  list_chunk_size: 1000\n  write_chunk_size: 5000\n  max_buffer_size: 20000\n");
  auto r = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto written = keys_written(out);
  EXPECT_EQ(written.size(), static_cast<std::size_t>(kEmpty));
  auto rows =
      duckdb_query("SELECT count(*) AS n, count(DISTINCT path) AS keys, min(stage) AS stage FROM " + error_files(out));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(as_int(rows[0]["n"]), kEmpty);
  EXPECT_EQ(as_int(rows[0]["keys"]), kEmpty);
  EXPECT_EQ(rows[0]["stage"], "parse");
}

TEST(HeadersCli, UsageAndConfigErrorsExitWithTwo) {
  TempDir tmp;
  auto missing = run_cli({"headers", (tmp.path() / "nope.yaml").string(), (tmp.path() / "out").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;

  auto config =
      write_config(tmp.path(), tmp.path().string(), {}, "concurrency:\n  n_consumers: 100\n  list_chunk_size: 10\n");
  auto rule = run_cli({"headers", config.string(), (tmp.path() / "out").string()});
  EXPECT_EQ(rule.exit_code, 2);
  EXPECT_NE(rule.err.find("concurrency.n_consumers = 100 (line 4)"), std::string::npos) << rule.err;

  auto bad_flag = run_cli({"headers", "--shard", "5/4", config.string(), (tmp.path() / "out").string()});
  EXPECT_EQ(bad_flag.exit_code, 2);

  write_file(tmp.path() / "file", "x");
  auto good = write_config(tmp.path(), tmp.path().string());
  auto out_is_file = run_cli({"headers", good.string(), (tmp.path() / "file").string()});
  EXPECT_EQ(out_is_file.exit_code, 2);
  EXPECT_NE(out_is_file.err.find("not a directory"), std::string::npos) << out_is_file.err;
}

TEST(HeadersCli, AFileUrlOutDirIsThePercentDecodedFolder) {
  TempDir tmp;
  write_file(tmp.path() / "s/a.tif", "II*\0");
  auto config = write_config(tmp.path(), (tmp.path() / "s").string());
  auto url = run_cli({"headers", "--quiet", config.string(), "file://" + tmp.path().string() + "/out%20dir"});
  ASSERT_EQ(url.exit_code, 1) << url.err;  // the 4-byte file is an error row
  EXPECT_TRUE(fs::exists(tmp.path() / "out dir" / "_SUCCESS"));
  EXPECT_EQ(keys_written(tmp.path() / "out dir").count("a.tif"), 1U);

  auto host = run_cli({"headers", "--quiet", config.string(), "file://elsewhere" + tmp.path().string() + "/o"});
  EXPECT_EQ(host.exit_code, 2) << host.err;
  EXPECT_NE(host.err.find("must be file:///absolute/path"), std::string::npos) << host.err;
}

TEST(HeadersCli, AnotherRunsOutputIsRefused) {
  TempDir tmp;
  write_file(tmp.path() / "s1/a.tif", "II*\0");
  write_file(tmp.path() / "s2/a.tif", "II*\0");
  auto out = tmp.path() / "out";
  auto first =
      run_cli({"headers", "--quiet", write_config(tmp.path(), (tmp.path() / "s1").string()).string(), out.string()});
  ASSERT_EQ(first.exit_code, 1) << first.err;
  auto other = run_cli({"headers", "--quiet", "--resume",
                        write_config(tmp.path(), (tmp.path() / "s2").string()).string(), out.string()});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("different run"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace tdump::dump::testing
