// `headers` (event loop) and `inspect` (blocking loop) drive the same header session: over every
// fixture, valid and broken, they give the same verdict (error kind or data row), the same
// warnings, the same COG verdict and findings, and the same values and costs.
#include <gtest/gtest.h>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fixtures.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using tdump::testing::duckdb_query;
using tdump::testing::TempDir;

// A JSON list of strings, or null, as DuckDB and inspect give them.
std::vector<std::string> strings(const nlohmann::json& v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  for (const auto& s : v) out.push_back(s.get<std::string>());
  return out;
}

const nlohmann::json* tag(const nlohmann::json& ifd, int id) {
  for (const auto& t : ifd["tags"]) {
    if (t["id"] == id) return &t["value"];
  }
  return nullptr;
}

TEST(CommandsAgree, SameVerdictWarningsAndValuesOnEveryFixture) {
  TempDir tmp;
  const fs::path store = tmp.path() / "store";
  std::vector<fs::path> files;
  fs::create_directories(store / "valid");
  fs::create_directories(store / "broken");
  for (const auto& f : tdump::tiff::testing::valid_fixtures()) {
    fs::copy_file(f, store / "valid" / f.filename());
    files.push_back(store / "valid" / f.filename());
  }
  for (const auto& [name, verdict] : tdump::tiff::testing::broken_fixtures()) {
    fs::copy_file(tdump::tiff::testing::broken_fixtures_dir() / name, store / "broken" / name);
    files.push_back(store / "broken" / name);
  }
  ASSERT_GE(files.size(), 120U);

  const fs::path out = tmp.path() / "out";
  auto r = run_cli({"headers", "--quiet", write_config(tmp.path(), store.string()).string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;  // some broken files are error rows
  std::map<std::string, nlohmann::json> rows;
  for (auto& row : duckdb_query("SELECT path, header_bytes, requests, ifd_count, header_size, image_width, "
                                "image_height, compression, len(ifds) AS extra_ifds, warnings, is_cog, cog_errors, "
                                "cog_warnings FROM " +
                                data_files(out))) {
    rows[row["path"].get<std::string>()] = row;
  }
  std::map<std::string, nlohmann::json> errors;
  for (auto& row : duckdb_query("SELECT path, kind, message FROM " + error_files(out))) {
    errors[row["path"].get<std::string>()] = row;
  }

  std::vector<std::string> argv = {TDUMP_CLI_PATH, "inspect"};
  for (const auto& f : files) argv.push_back(f.string());
  auto inspected = tdump::testing::run_command(argv);
  std::istringstream lines(inspected.out);
  std::string line;
  std::size_t n = 0;
  std::size_t with_warnings = 0;
  while (std::getline(lines, line)) {
    const auto doc = nlohmann::json::parse(line);
    const std::string key = fs::relative(doc["path"].get<std::string>(), store).string();
    SCOPED_TRACE(key);
    ++n;
    if (doc.contains("error")) {
      ASSERT_EQ(errors.count(key), 1U) << "inspect fails it, headers does not";
      EXPECT_EQ(errors[key]["kind"], doc["error"]);
      EXPECT_NE(errors[key]["message"].get<std::string>().find(doc["message"].get<std::string>()), std::string::npos);
      continue;
    }
    ASSERT_EQ(rows.count(key), 1U) << "inspect reads it, headers does not";
    const auto& row = rows[key];
    std::vector<std::string> warnings;
    for (const auto& w : doc["warnings"]) warnings.push_back(w["message"].get<std::string>());
    EXPECT_EQ(strings(row["warnings"]), warnings);
    with_warnings += warnings.empty() ? 0 : 1;
    EXPECT_EQ(row["is_cog"], doc["is_cog"]);
    EXPECT_EQ(strings(row["cog_errors"]), strings(doc["cog_errors"]));
    EXPECT_EQ(strings(row["cog_warnings"]), strings(doc["cog_warnings"]));
    EXPECT_EQ(as_int(row["header_bytes"]), doc["header_bytes"].get<std::int64_t>());
    EXPECT_EQ(as_int(row["requests"]), doc["reads"].get<std::int64_t>());
    EXPECT_EQ(as_int(row["ifd_count"]), doc["ifd_count"].get<std::int64_t>());
    EXPECT_EQ(as_int(row["header_size"]), doc["header_extent"].get<std::int64_t>());
    const auto& ifd0 = doc["ifds"][0];
    for (const auto& [column, id] : {std::pair{"image_width", 256}, {"image_height", 257}, {"compression", 259}}) {
      const auto* value = tag(ifd0, id);
      if (value == nullptr || !value->is_number()) {
        EXPECT_TRUE(row[column].is_null()) << column;
      } else {
        EXPECT_EQ(as_int(row[column]), value->get<std::int64_t>()) << column;
      }
    }
    const auto extra = doc["ifds"].size() - 1;
    EXPECT_EQ(row["extra_ifds"].is_null() ? 0 : as_int(row["extra_ifds"]), static_cast<std::int64_t>(extra));
  }
  EXPECT_EQ(n, files.size());
  EXPECT_EQ(rows.size() + errors.size(), files.size());
  EXPECT_GE(with_warnings, 25U);
}

}  // namespace
}  // namespace tdump::dump::testing
