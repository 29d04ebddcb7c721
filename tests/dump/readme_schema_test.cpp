// The README documents the output schema; this test holds it to what DuckDB reads from a real
// output, so the documentation cannot drift from the files.
#include <gtest/gtest.h>

#include <regex>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace {
using tdump::testing::duckdb_query;
using tdump::testing::TempDir;

// `| \`name\` | TYPE | ... |` rows of the markdown table that follows `heading`.
std::vector<std::pair<std::string, std::string>> readme_table(const std::string& readme, const std::string& heading,
                                                              std::size_t from = 0) {
  auto start = readme.find(heading, from);
  EXPECT_NE(start, std::string::npos) << heading;
  std::vector<std::pair<std::string, std::string>> rows;
  std::regex row(R"(^\| `([a-z_0-9]+)` \| ([A-Z][A-Z ()0-9,\[\]':]*?) \|)");
  std::istringstream in(readme.substr(start));
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) {
      rows.emplace_back(m[1].str(), m[2].str());
      in_table = true;
    } else if (in_table && line.rfind("|", 0) != 0) {
      break;
    }
  }
  return rows;
}

void expect_same(const std::vector<std::pair<std::string, std::string>>& documented, const nlohmann::json& actual) {
  ASSERT_EQ(documented.size(), actual.size());
  for (std::size_t i = 0; i < documented.size(); ++i) {
    const auto& [name, type] = documented[i];
    auto real_name = actual[i]["column_name"].get<std::string>();
    auto real_type = actual[i]["column_type"].get<std::string>();
    EXPECT_EQ(name, real_name) << "README column " << i;
    // Nested types are documented by their kind; the fields are listed in prose.
    if (type == "STRUCT") {
      EXPECT_EQ(real_type.rfind("STRUCT(", 0), 0U) << name << ": " << real_type;
      EXPECT_EQ(real_type.back(), ')') << name;
    } else if (type == "STRUCT[]") {
      EXPECT_EQ(real_type.rfind("STRUCT(", 0), 0U) << name;
      EXPECT_EQ(real_type.substr(real_type.size() - 3), ")[]") << name;
    } else {
      EXPECT_EQ(type, real_type) << name;
    }
  }
}

TEST(Readme, OutputSchemaTablesMatchTheFiles) {
  TempDir tmp;
  auto store = tmp.path() / "store";
  std::filesystem::create_directories(store);
  // One valid and one broken TIFF: a data file and an error file.
  auto r0 = tdump::testing::run_command({"gdal_create", "-of", "GTiff", "-outsize", "8", "8", "-a_srs", "EPSG:4326",
                                         "-a_ullr", "0", "8", "8", "0", (store / "a.tif").string()});
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  tdump::testing::write_file(store / "b.tif", "II*\0garbage");
  auto out = tmp.path() / "out";
  auto r = run_cli({"headers", "--quiet", write_config(tmp.path(), store.string()).string(), out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;

  auto readme = tdump::testing::read_file(tdump::testing::source_dir() / "README.md");
  auto data = duckdb_query("DESCRIBE SELECT * FROM " + data_files(out));
  expect_same(readme_table(readme, "### Output schema"), data);
  auto errors = duckdb_query("DESCRIBE SELECT * FROM " + error_files(out));
  expect_same(readme_table(readme, "The error files:"), errors);

  // The schema version the README states is the one in every file's key-value metadata.
  auto version =
      duckdb_query("SELECT DISTINCT decode(value) AS v FROM parquet_kv_metadata(" +
                   sql_quote((out / "part-*.parquet").string()) + ") WHERE decode(key) = 'tiff_dumper.schema_version'");
  ASSERT_EQ(version.size(), 1U);
  EXPECT_NE(readme.find("(schema version " + version[0]["v"].get<std::string>() + ","), std::string::npos)
      << "README does not state schema version " << version[0]["v"];

  // Every geokeys field is named in the prose, in order.
  auto fields = duckdb_query("SELECT unnest(struct_keys(geokeys)) AS f FROM (SELECT geokeys FROM " + data_files(out) +
                             " LIMIT 1)");
  auto prose_start = readme.find("`geokeys` fields");
  ASSERT_NE(prose_start, std::string::npos);
  auto prose = readme.substr(prose_start, readme.find("The error files:") - prose_start);
  std::size_t pos = 0;
  ASSERT_GE(fields.size(), 45U);
  for (const auto& f : fields) {
    auto name = "`" + f["f"].get<std::string>() + "`";
    auto at = prose.find(name, pos);
    EXPECT_NE(at, std::string::npos) << name << " is not documented (in order)";
    if (at != std::string::npos) pos = at;
  }
}

}  // namespace
}  // namespace tdump::dump::testing
