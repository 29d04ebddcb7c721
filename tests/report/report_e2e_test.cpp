// `tiff-dumper report` end to end: `headers` over a local store of the geo fixtures plus broken
// files, then `report`, then the page rendered by headless Chromium. The numbers on the page
// (data- attributes in the DOM Chromium built) must equal the manifest's aggregates and the
// counts DuckDB computes from the Parquet output (the independent oracle); the screenshot must
// not be blank; the page fetches nothing. Two shards: the report merges both manifests.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "duckdb.hpp"
#include "dump/e2e_support.hpp"
#include "geo_fixtures.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using tdump::testing::duckdb_queries;
using tdump::testing::run_command;
using tdump::testing::TempDir;

using Counts = std::map<std::string, std::int64_t>;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "k, n" rows into a map.
Counts to_counts(const json& rows) {
  Counts out;
  for (const auto& row : rows) out[row["k"].get<std::string>()] = as_int(row["n"]);
  return out;
}

Counts manifest_counts(const json& object) {
  Counts out;
  for (const auto& [key, n] : object.items()) out[key] = n.get<std::int64_t>();
  return out;
}

// The undone character references of an attribute value as Chromium serialises it.
std::string unescape(std::string text) {
  const std::pair<const char*, const char*> refs[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : refs) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
      text.replace(at, std::strlen(from), to);
    }
  }
  return text;
}

// What the DOM says: the totals, each breakdown, the error kinds, the map's cells.
struct Page {
  std::map<std::string, std::int64_t> stats;
  std::map<std::string, Counts> breakdowns;
  Counts errors;
  std::int64_t cells_total = 0;
  std::vector<std::string> examples;
};

Page parse_dom(const std::string& dom) {
  Page page;
  static const std::regex stat(R"re(data-stat="(\w+)" data-value="(\d+)")re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), stat), end; it != end; ++it) {
    page.stats[(*it)[1]] = std::stoll((*it)[2]);
  }
  static const std::regex row(R"re(data-breakdown="(\w+)" data-key="([^"]*)" data-count="(\d+)")re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), row), end; it != end; ++it) {
    page.breakdowns[(*it)[1]][unescape((*it)[2])] = std::stoll((*it)[3]);
  }
  static const std::regex error(R"re(data-error="([^"]*)" data-count="(\d+)")re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), error), end; it != end; ++it) {
    page.errors[unescape((*it)[1])] = std::stoll((*it)[2]);
  }
  static const std::regex cell(R"re(data-cells="(\d+)" data-count="(\d+)")re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), cell), end; it != end; ++it) {
    page.cells_total += std::stoll((*it)[2]);
  }
  static const std::regex example(R"re(<code data-example="">([^<]*)</code>)re");
  for (std::sregex_iterator it(dom.begin(), dom.end(), example), end; it != end; ++it) {
    page.examples.push_back(unescape((*it)[1]));
  }
  return page;
}

std::vector<std::string> chromium_args(const fs::path& profile) {
  return {"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile.string(),
          // Any request to the network fails: the page must not need one.
          "--host-resolver-rules=MAP * ~NOTFOUND"};
}

// Chromium's DOM of the page (after parsing, so the test reads what a browser sees).
std::string dump_dom(const fs::path& html, const fs::path& profile) {
  auto args = chromium_args(profile);
  args.push_back("--dump-dom");
  args.push_back("file://" + html.string());
  auto r = run_command(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// The screenshot's statistics from Debian's python3-pil: a blank page has one colour.
json screenshot_stats(const fs::path& html, const fs::path& profile, const fs::path& png) {
  auto args = chromium_args(profile);
  args.push_back("--screenshot=" + png.string());
  args.push_back("--window-size=1280,1800");
  args.push_back("file://" + html.string());
  auto r = run_command(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(png)) << r.err;
  auto stats = run_command({"/usr/bin/python3", "-c",
                            "import json, sys\n"
                            "from PIL import Image, ImageStat\n"
                            "im = Image.open(sys.argv[1]).convert('RGB')\n"
                            "st = ImageStat.Stat(im.convert('L'))\n"
                            "colours = im.getcolors(1 << 24)\n"
                            "# the map: the land colour of the page's SVG must be there\n"
                            "land = sum(n for n, c in colours if c == (0xf2, 0xef, 0xe6))\n"
                            "print(json.dumps({'w': im.width, 'h': im.height, 'stddev': st.stddev[0],\n"
                            "  'colours': len(colours), 'land_pixels': land}))\n",
                            png.string()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  return json::parse(stats.out.empty() ? "{}" : stats.out);
}

// The oracle: every count the page shows, from the Parquet files by DuckDB.
struct Oracle {
  std::int64_t written = 0, failed = 0, size_sum = 0, mapped = 0;
  Counts crs, dtype, cog, compression, block, overviews, errors;
};

Oracle oracle(const fs::path& out) {
  const std::string data = data_files(out), errs = error_files(out);
  auto results = duckdb_queries({
      "SELECT count(*) AS n, sum(size) AS s, count(bbox) AS m FROM " + data,
      "SELECT count(*) AS n FROM " + errs,
      "SELECT CASE WHEN crs_epsg IS NOT NULL THEN 'EPSG:' || crs_epsg WHEN crs_projjson IS NOT NULL THEN "
      "'user-defined' ELSE 'none' END AS k, count(*) AS n FROM " +
          data + " GROUP BY k",
      "SELECT coalesce(dtype, 'none') AS k, count(*) AS n FROM " + data + " GROUP BY k",
      "SELECT CASE WHEN is_cog THEN 'valid' WHEN NOT is_cog THEN 'invalid' ELSE 'unknown' END AS k, count(*) AS n "
      "FROM " +
          data + " GROUP BY k",
      // TIFF 6.0 / registered Compression codes by their usual names.
      // IFD 0's tags are the top-level columns (NULL when absent: Compression defaults to 1).
      "SELECT CASE coalesce(compression, 1) WHEN 1 THEN 'none' WHEN 5 THEN 'lzw' WHEN 7 THEN 'jpeg' WHEN 8 THEN "
      "'deflate' "
      "WHEN 32946 THEN 'deflate' WHEN 32773 THEN 'packbits' WHEN 50000 THEN 'zstd' WHEN 50001 THEN 'webp' WHEN 34887 "
      "THEN 'lerc' ELSE 'code ' || compression END AS k, count(*) AS n FROM " +
          data + " GROUP BY k",
      "SELECT CASE WHEN tile_width IS NOT NULL OR tile_height IS NOT NULL THEN 'tiles ' || coalesce(tile_width, 0) || "
      "'x' || coalesce(tile_height, 0) ELSE 'strips' END AS k, count(*) AS n FROM " +
          data + " GROUP BY k",
      // Overviews: reduced-resolution images (NewSubfileType bit 0, not masks) of the main chain
      // (`ifds` lists the IFDs after IFD 0; NULL when there are none).
      "SELECT CAST(len(list_filter(coalesce(ifds, []), x -> x.sub_ifd_of IS NULL AND (coalesce(x.new_subfile_type, 0) "
      "& 5) = 1)) "
      "AS VARCHAR) AS k, count(*) AS n FROM " +
          data + " GROUP BY k",
      "SELECT stage || '/' || kind AS k, count(*) AS n FROM " + errs + " GROUP BY k",
  });
  Oracle o;
  o.written = as_int(results[0][0]["n"]);
  o.size_sum = as_int(results[0][0]["s"]);
  o.mapped = as_int(results[0][0]["m"]);
  o.failed = as_int(results[1][0]["n"]);
  o.crs = to_counts(results[2]);
  o.dtype = to_counts(results[3]);
  o.cog = to_counts(results[4]);
  o.compression = to_counts(results[5]);
  o.block = to_counts(results[6]);
  o.overviews = to_counts(results[7]);
  o.errors = to_counts(results[8]);
  return o;
}

class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("e2e-report");
    store_ = new fs::path(dir_->path() / "store");
    fs::create_directories(*store_ / "geo");
    for (const auto& f : fs::directory_iterator(tdump::geo::testing::geo_fixtures_dir())) {
      if (f.path().extension() == ".tif") fs::copy_file(f.path(), *store_ / "geo" / f.path().filename());
    }
    // Error rows, one with markup in its key (the page must show it as text).
    fs::create_directories(*store_ / "broken");
    tdump::testing::write_file(*store_ / "broken" / "<img src=x onerror=alert(1)>.tif", "not a TIFF at all");
    tdump::testing::write_file(*store_ / "broken" / "empty.tif", "");
    tdump::testing::write_file(*store_ / "broken" / "truncated.tif", std::string("II*\0\x08\0\0\0", 8));
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }
  static TempDir* dir_;
  static fs::path* store_;
};
TempDir* Report::dir_ = nullptr;
fs::path* Report::store_ = nullptr;

// The page against the manifest's aggregates and against DuckDB.
void check_page(const fs::path& out, const Page& page, std::size_t manifests) {
  // The merged aggregates of every manifest.
  std::int64_t written = 0, failed = 0, listed = 0;
  std::map<std::string, Counts> manifest_breakdowns;
  std::size_t found = 0;
  for (const auto& entry : fs::directory_iterator(out)) {
    if (entry.path().filename().string().rfind("_SUCCESS", 0) != 0) continue;
    ++found;
    const json m = json::parse(read_text(entry.path()));
    const json& a = m.at("aggregates");
    written += a.at("written").get<std::int64_t>();
    failed += a.at("failed").get<std::int64_t>();
    listed += a.at("listed").get<std::int64_t>();
    EXPECT_EQ(a.at("written").get<std::int64_t>(), m.at("written_this_attempt").get<std::int64_t>());
    EXPECT_EQ(a.at("failed").get<std::int64_t>(), m.at("errors_this_attempt").get<std::int64_t>());
    EXPECT_EQ(a.at("listed").get<std::int64_t>(), m.at("listed").get<std::int64_t>());
    for (const char* name : {"crs", "dtype", "cog", "compression", "block", "overviews"}) {
      for (const auto& [key, n] : manifest_counts(a.at(name))) manifest_breakdowns[name][key] += n;
    }
  }
  ASSERT_EQ(found, manifests);
  EXPECT_EQ(page.stats.at("written"), written);
  EXPECT_EQ(page.stats.at("failed"), failed);
  EXPECT_EQ(page.stats.at("listed"), listed);
  for (const auto& [name, counts] : manifest_breakdowns) EXPECT_EQ(page.breakdowns.at(name), counts) << name;

  // The independent oracle.
  const Oracle o = oracle(out);
  EXPECT_EQ(page.stats.at("written"), o.written);
  EXPECT_EQ(page.stats.at("failed"), o.failed);
  EXPECT_EQ(page.stats.at("size_sum"), o.size_sum);
  EXPECT_EQ(page.stats.at("mapped"), o.mapped);
  EXPECT_EQ(page.cells_total, o.mapped);
  EXPECT_EQ(page.stats.at("cog_valid"), o.cog.count("valid") ? o.cog.at("valid") : 0);
  EXPECT_EQ(page.breakdowns.at("crs"), o.crs);
  EXPECT_EQ(page.breakdowns.at("dtype"), o.dtype);
  EXPECT_EQ(page.breakdowns.at("cog"), o.cog);
  EXPECT_EQ(page.breakdowns.at("compression"), o.compression);
  EXPECT_EQ(page.breakdowns.at("block"), o.block);
  EXPECT_EQ(page.breakdowns.at("overviews"), o.overviews);
  EXPECT_EQ(page.errors, o.errors);
  // What the fixtures are: several CRSs, files on the map, errors.
  EXPECT_GE(o.crs.size(), 3U);
  EXPECT_GE(o.mapped, 20);
  EXPECT_EQ(o.failed, 3);
}

TEST_F(Report, PageShowsTheRunAsTheParquetFilesSayInChromium) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  auto config = write_config(tmp.path(), store_->string());
  auto r = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << "the broken files give error rows\n" << r.err;

  const fs::path html = tmp.path() / "page.html";
  auto rep = run_cli({"report", out.string(), "--output", html.string()});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_EQ(rep.out, html.string() + "\n");
  const std::string text = read_text(html);
  EXPECT_LT(text.size(), 400U * 1024) << "a few hundred KB at most";
  // Nothing fetched from anywhere: no URL in any src/href, no CSS url(), no script at all.
  EXPECT_FALSE(std::regex_search(text, std::regex(R"re((src|href)\s*=\s*["']?\s*(https?:)?//)re", std::regex::icase)));
  EXPECT_EQ(text.find("url("), std::string::npos);
  EXPECT_EQ(text.find("<script"), std::string::npos);
  EXPECT_EQ(text.find("<img src=x"), std::string::npos) << "a key's markup reached the page unescaped";

  const Page page = parse_dom(dump_dom(html, tmp.path() / "profile"));
  ASSERT_FALSE(page.stats.empty()) << "Chromium's DOM has no numbers";
  check_page(out, page, 1);
  // The example paths are the keys as text.
  EXPECT_NE(std::find(page.examples.begin(), page.examples.end(), "broken/<img src=x onerror=alert(1)>.tif"),
            page.examples.end());

  const json shot = screenshot_stats(html, tmp.path() / "profile", tmp.path() / "page.png");
  EXPECT_EQ(shot.value("w", 0), 1280);
  EXPECT_GT(shot.value("stddev", 0.0), 10.0) << shot.dump();
  EXPECT_GT(shot.value("colours", 0), 50) << shot.dump();
  EXPECT_GT(shot.value("land_pixels", 0), 20'000) << "the map's land is not drawn: " << shot.dump();
}

TEST_F(Report, MergesTheManifestsOfTwoShards) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  auto config = write_config(tmp.path(), store_->string());
  const fs::path html = tmp.path() / "page.html";

  auto r0 = run_cli({"headers", "--quiet", "--shard", "0/2", config.string(), out.string()});
  ASSERT_TRUE(r0.exit_code == 0 || r0.exit_code == 1) << r0.err;
  // One shard of two: the page says the other is missing.
  auto partial = run_cli({"report", out.string(), "--output", html.string()});
  ASSERT_EQ(partial.exit_code, 0) << partial.err;
  EXPECT_NE(read_text(html).find("Only 1 of the run"), std::string::npos);

  auto r1 = run_cli({"headers", "--quiet", "--shard", "1/2", config.string(), out.string()});
  ASSERT_TRUE(r1.exit_code == 0 || r1.exit_code == 1) << r1.err;
  auto rep = run_cli({"report", out.string(), "--output", html.string()});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_EQ(read_text(html).find("Only 1 of the run"), std::string::npos);

  const Page page = parse_dom(dump_dom(html, tmp.path() / "profile"));
  check_page(out, page, 2);
  // Each shard wrote some rows: the merge adds two non-empty parts.
  for (const char* name : {"_SUCCESS-00000-of-00002", "_SUCCESS-00001-of-00002"}) {
    const json m = json::parse(read_text(out / name));
    EXPECT_GT(m["aggregates"]["written"].get<std::int64_t>(), 0) << name;
  }
}

// OUT_DIR in a store (s3:// on moto): `report` reads the manifest there and shows what a local
// OUT_DIR of the same run shows.
TEST_F(Report, ReadsAStoreOutDirLikeALocalOne) {
  TempDir tmp;
  tdump::testing::MotoServer moto;
  moto.create_bucket("results");
  const std::vector<std::string> s3_options{"endpoint=" + moto.endpoint(), "allow_http=true", "region=us-east-1",
                                            "access_key_id=AKIAIOSFODNN7EXAMPLE",
                                            "secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
  std::string output_yaml = "output:\n  store_options:\n";
  for (const auto& option : s3_options) {
    const auto eq = option.find('=');
    output_yaml += "    " + option.substr(0, eq) + ": " + option.substr(eq + 1) + "\n";
  }
  auto config = write_config(tmp.path(), store_->string(), output_yaml);
  auto r = run_cli({"headers", "--quiet", config.string(), "s3://results/out"});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const fs::path remote_html = tmp.path() / "remote.html";
  std::vector<std::string> args{"report", "s3://results/out", "--output", remote_html.string()};
  for (const auto& option : s3_options) {
    args.push_back("-o");
    args.push_back(option);
  }
  auto rep = run_cli(args);
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const std::string remote = read_text(remote_html);
  EXPECT_EQ(remote.find("wJalrXUtnFEMI"), std::string::npos) << "a secret reached the page";

  const fs::path local_out = tmp.path() / "out";
  auto local_config = write_config(tmp.path(), store_->string());
  ASSERT_EQ(run_cli({"headers", "--quiet", local_config.string(), local_out.string()}).exit_code, 1);
  const fs::path local_html = tmp.path() / "local.html";
  ASSERT_EQ(run_cli({"report", local_out.string(), "--output", local_html.string()}).exit_code, 0);
  // The page's own markup carries the numbers: the same attributes a browser reads.
  const Page a = parse_dom(remote), b = parse_dom(read_text(local_html));
  EXPECT_FALSE(a.stats.empty());
  EXPECT_EQ(a.stats, b.stats);
  EXPECT_EQ(a.breakdowns, b.breakdowns);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.cells_total, b.cells_total);
}

TEST_F(Report, RefusesWhatIsNotAFinishedRun) {
  TempDir tmp;
  const fs::path html = tmp.path() / "page.html";
  // No such folder (and `report` does not create it).
  auto missing = run_cli({"report", (tmp.path() / "nope").string(), "--output", html.string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_FALSE(fs::exists(tmp.path() / "nope"));
  // A folder without a manifest.
  fs::create_directories(tmp.path() / "empty");
  auto empty = run_cli({"report", (tmp.path() / "empty").string(), "--output", html.string()});
  EXPECT_EQ(empty.exit_code, 3) << empty.err;
  EXPECT_NE(empty.err.find("no manifest"), std::string::npos) << empty.err;
  // A manifest whose aggregates no run could have written.
  fs::create_directories(tmp.path() / "bad");
  json many = json::object();
  for (int i = 0; i < 1000; ++i) many["EPSG:" + std::to_string(i)] = 1;
  tdump::testing::write_file(tmp.path() / "bad" / "_SUCCESS",
                             json{{"aggregates", {{"version", 1}, {"crs", many}}}}.dump());
  auto bad = run_cli({"report", (tmp.path() / "bad").string(), "--output", html.string()});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("aggregates"), std::string::npos) << bad.err;
  tdump::testing::write_file(tmp.path() / "bad" / "_SUCCESS", "{not json");
  EXPECT_EQ(run_cli({"report", (tmp.path() / "bad").string(), "--output", html.string()}).exit_code, 3);
  EXPECT_FALSE(fs::exists(html));
}

}  // namespace
}  // namespace tdump::dump::testing
