// `tiff-dumper headers` end to end against real servers: S3 (moto_server) and Azure (Azurite),
// compared with the local store and with libtiff / the S3 listing as oracles.
#include <gtest/gtest.h>

#include <regex>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fixtures.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"
#include "tool_outputs.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using tdump::testing::duckdb_query;
using tdump::testing::TempDir;

// The same tree of keys in three stores: a local folder, an S3 bucket and an Azure container.
class Stores : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("e2e-stores");
    root_ = dir_->path() / "tree";
    auto add = [](const std::string& key, const fs::path& source) {
      fs::create_directories((root_ / key).parent_path());
      fs::copy_file(source, root_ / key);
    };
    auto add_text = [](const std::string& key, const std::string& text) {
      tdump::testing::write_file(root_ / key, text);
    };
    const auto valid = tdump::tiff::testing::valid_fixtures();
    for (const auto& f : valid) {
      add("cogs/2024/" + f.filename().string(), f);
      add("cogs/2025/" + f.filename().string(), f);
      add("other/deep/er/" + f.filename().string(), f);
    }
    for (const auto& [name, kind] : tdump::tiff::testing::broken_fixtures()) {
      add("broken/" + name, tdump::tiff::testing::broken_fixtures_dir() / name);
    }
    add("skipped/not-listed.tif", valid.front());  // outside the prefixes of the run
    add_text("cogs/2024/catalog.json", "{}");
    add_text("cogs/2024/x.tif.aux.xml", "<PAMDataset/>");
    add_text("other/readme.txt", "hello");
    add("other/with space+plus=eq.TIFF", valid.front());

    moto_ = new tdump::testing::MotoServer();
    moto_->create_bucket("inventory");
    azurite_ = new tdump::testing::AzuriteServer();
    azurite_->create_container("inventory", false);
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      if (!e.is_regular_file()) continue;
      auto key = fs::relative(e.path(), root_).generic_string();
      auto bytes = tdump::testing::read_file(e.path());
      moto_->put_object("inventory", key, bytes);
      azurite_->put_blob("inventory", key, bytes);
    }
    moto_->make_public("inventory");
  }
  static void TearDownTestSuite() {
    delete azurite_;
    delete moto_;
    delete dir_;
  }

  static std::string prefixes() { return "  prefixes: [cogs/, other/, broken/]\n"; }
  static std::set<std::string> expected_keys() {
    std::set<std::string> keys;
    for (const auto& k : tiff_keys_under(root_)) {
      if (k.rfind("skipped/", 0) != 0) keys.insert(k);
    }
    return keys;
  }

  static TempDir* dir_;
  static fs::path root_;
  static tdump::testing::MotoServer* moto_;
  static tdump::testing::AzuriteServer* azurite_;
};
TempDir* Stores::dir_ = nullptr;
fs::path Stores::root_;
tdump::testing::MotoServer* Stores::moto_ = nullptr;
tdump::testing::AzuriteServer* Stores::azurite_ = nullptr;

std::string s3_store_yaml(const tdump::testing::MotoServer& moto) {
  return "store:\n  name: s3://inventory\n  prefixes: [cogs/, other/, broken/]\n  obstore_config:\n"
         "    endpoint: " +
         moto.endpoint() +
         "\n    allow_http: true\n    region: us-east-1\n    access_key_id: AKIAIOSFODNN7EXAMPLE\n"
         "    secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
}

constexpr const char* kSmallBatches =
    "concurrency:\n  n_consumers: 32\n  list_chunk_size: 64\n  write_chunk_size: 128\n  max_buffer_size: 1024\n";

TEST_F(Stores, S3EveryKeyOnceValuesFromLibtiffAndObjectFieldsFromTheListing) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  tdump::testing::write_file(tmp.path() / "c.yaml", s3_store_yaml(*moto_) + kSmallBatches);
  auto r = run_cli({"headers", "--quiet", (tmp.path() / "c.yaml").string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;  // the broken files

  auto expected = expected_keys();
  auto written = keys_written(out);
  ASSERT_EQ(written.size(), expected.size());
  for (const auto& key : expected) EXPECT_EQ(written[key], 1) << key;

  // One schema in every file.
  auto schemas = duckdb_query(
      "SELECT file_name, string_agg(name || ':' || coalesce(type, '') || ':' || "
      "coalesce(logical_type, '') || ':' || coalesce(repetition_type, ''), ',') AS s FROM "
      "parquet_schema(" +
      sql_quote((out / "part-*.parquet").string()) + ") GROUP BY file_name");
  ASSERT_GE(schemas.size(), 2U);
  for (const auto& s : schemas) EXPECT_EQ(s["s"], schemas[0]["s"]);

  // size, etag and last_modified as the S3 listing gives them (read here with plain HTTP + regex).
  auto listing = tdump::testing::simple_http("GET", moto_->port(), "/inventory?list-type=2&max-keys=1000");
  ASSERT_EQ(listing.status, 200);
  std::map<std::string, std::tuple<std::int64_t, std::string, std::string>> listed;
  std::regex contents(
      R"(<Contents><Key>([^<]*)</Key><LastModified>([^<]*)</LastModified><ETag>([^<]*)</ETag><Size>(\d+)</Size>)");
  for (std::sregex_iterator it(listing.body.begin(), listing.body.end(), contents), end; it != end; ++it) {
    std::string etag = (*it)[3].str();
    etag = std::regex_replace(etag, std::regex("&#34;|&quot;|\""), "");
    listed[(*it)[1].str()] = {std::stoll((*it)[4].str()), etag, (*it)[2].str()};
  }
  ASSERT_GE(listed.size(), expected.size());
  auto rows = duckdb_query(
      "SELECT path, url, size, etag, strftime(last_modified, '%Y-%m-%dT%H:%M:%S') AS lm, "
      "requests, image_width, image_height, ifd_count FROM " +
      data_files(out));
  std::size_t cogs = 0;
  for (const auto& row : rows) {
    auto key = row["path"].get<std::string>();
    SCOPED_TRACE(key);
    ASSERT_TRUE(listed.count(key));
    const auto& [size, etag, last_modified] = listed[key];
    EXPECT_EQ(as_int(row["size"]), size);
    EXPECT_EQ(row["etag"], etag);
    EXPECT_EQ(last_modified.rfind(row["lm"].get<std::string>(), 0), 0U) << last_modified;
    EXPECT_EQ(row["url"], "s3://inventory/" + key);
    // A COG whose IFDs and first block offsets lie in its first 16 KiB costs exactly one request;
    // cog_5level_mask's end at 21,688 bytes (GDAL's validation script; verdict_oracle_test.cpp
    // checks this for every COG), so its COG checks take one more.
    auto name = fs::path(key).filename().string();
    if (name.rfind("cog_", 0) == 0) {
      ++cogs;
      EXPECT_EQ(as_int(row["requests"]), name == "cog_5level_mask.tif" ? 2 : 1);
    }
  }
  EXPECT_GT(cogs, 20U);

  // Values against libtiff for one prefix's copy of each fixture.
  std::map<std::string, nlohmann::json> by_key;
  for (const auto& row : rows) by_key[row["path"].get<std::string>()] = row;
  for (const auto& f : tdump::tiff::testing::valid_fixtures()) {
    const auto& row = by_key.at("cogs/2025/" + f.filename().string());
    auto info = tdump::tiff::testing::run_tiffinfo(f);
    ASSERT_FALSE(info.empty());
    if (info[0].width) EXPECT_EQ(as_int(row["image_width"]), static_cast<std::int64_t>(*info[0].width));
    if (info[0].height) EXPECT_EQ(as_int(row["image_height"]), static_cast<std::int64_t>(*info[0].height));
    EXPECT_EQ(as_int(row["ifd_count"]), static_cast<std::int64_t>(info.size())) << f.filename();
  }
}

TEST_F(Stores, TheOriginalConfigRunsWithOnlyNameAndEndpointChanged) {
  // The original tool's example config (anonymous, region), the store name and endpoint pointed at
  // the local server; allow_http comes from the environment as obstore reads it.
  TempDir tmp;
  auto out = tmp.path() / "out";
  tdump::testing::write_file(tmp.path() / "config.yaml",
                             "store:\n"
                             "  name: s3://inventory\n"
                             "  prefixes:\n"
                             "    - cogs/2024/\n"
                             "  obstore_config:\n"
                             "    skip_signature: true\n"
                             "    region: us-west-2\n"
                             "    endpoint: " +
                                 moto_->endpoint() +
                                 "\n"
                                 "concurrency:\n"
                                 "  n_consumers: 1000\n"
                                 "  list_chunk_size: 10000\n"
                                 "  max_buffer_size: 1000000\n"
                                 "  write_chunk_size: 100000\n");
  auto r = run_cli({"headers", (tmp.path() / "config.yaml").string(), out.string()}, {{"AWS_ALLOW_HTTP", "true"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto written = keys_written(out);
  EXPECT_EQ(written.size(), tdump::tiff::testing::valid_fixtures().size());
  EXPECT_NE(r.err.find("done:"), std::string::npos) << r.err;
}

TEST_F(Stores, AzureAndLocalGiveTheSameRowsButUrl) {
  TempDir tmp;
  auto az_out = tmp.path() / "az";
  auto local_out = tmp.path() / "local";
  tdump::testing::write_file(tmp.path() / "az.yaml", "store:\n  name: az://inventory\n" + prefixes() +
                                                         "  options:\n    use_emulator: true\n    endpoint: " +
                                                         azurite_->account_url() + "\n" + kSmallBatches);
  tdump::testing::write_file(tmp.path() / "local.yaml",
                             "store:\n  name: " + root_.string() + "\n" + prefixes() + kSmallBatches);
  auto az = run_cli({"headers", "--quiet", (tmp.path() / "az.yaml").string(), az_out.string()});
  ASSERT_EQ(az.exit_code, 1) << az.err;
  auto local = run_cli({"headers", "--quiet", (tmp.path() / "local.yaml").string(), local_out.string()});
  ASSERT_EQ(local.exit_code, 1) << local.err;
  // etag and last_modified are each store's own; everything read from the file must agree.
  auto diff = [&](const fs::path& a, const fs::path& b) {
    return duckdb_query("SELECT count(*) AS n FROM (SELECT * EXCLUDE (url, etag, last_modified) FROM " + data_files(a) +
                        " EXCEPT SELECT * EXCLUDE (url, etag, last_modified) FROM " + data_files(b) + ")");
  };
  EXPECT_EQ(as_int(diff(az_out, local_out)[0]["n"]), 0);
  EXPECT_EQ(as_int(diff(local_out, az_out)[0]["n"]), 0);
  auto errors = [&](const fs::path& out) {
    return duckdb_query("SELECT path, stage, kind FROM " + error_files(out) + " ORDER BY path");
  };
  EXPECT_EQ(errors(az_out), errors(local_out));
  auto counts = duckdb_query("SELECT count(*) AS n FROM " + data_files(az_out));
  std::size_t error_rows = 0;  // the broken files whose verdict is an error (the others are rows with warnings)
  for (const auto& [name, verdict] : tdump::tiff::testing::broken_fixtures()) {
    error_rows += tdump::tiff::testing::is_error_verdict(verdict) ? 1 : 0;
  }
  EXPECT_EQ(as_int(counts[0]["n"]), static_cast<std::int64_t>(expected_keys().size() - error_rows));
  auto urls = duckdb_query("SELECT url FROM " + data_files(az_out) + " LIMIT 1");
  EXPECT_EQ(urls[0]["url"].get<std::string>().rfind("az://inventory/", 0), 0U) << urls[0]["url"];
}

}  // namespace
}  // namespace tdump::dump::testing
