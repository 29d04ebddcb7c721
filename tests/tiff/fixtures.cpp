#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "process.hpp"

namespace tdump::tiff::testing {

std::filesystem::path generated_fixtures_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path out = std::filesystem::path(TDUMP_BINARY_DIR) / "tests/tiff/fixtures";
    if (!std::filesystem::exists(out / ".complete")) {
      auto script = std::filesystem::path(TDUMP_SOURCE_DIR) / "tests/fixtures/make_tiff_fixtures.sh";
      auto result = tdump::testing::run_command({"bash", script.string(), out.string()});
      if (result.exit_code != 0) ADD_FAILURE() << "fixture generation failed:\n" << result.err;
    }
    return out;
  }();
  return dir;
}

std::vector<std::filesystem::path> valid_fixtures() {
  std::vector<std::filesystem::path> files;
  const auto dir = generated_fixtures_dir() / "valid";
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".tif") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::filesystem::path broken_fixtures_dir() {
  return std::filesystem::path(TDUMP_SOURCE_DIR) / "tests/fixtures/broken";
}

std::vector<BrokenFixture> broken_fixture_details() {
  std::vector<BrokenFixture> out;
  std::ifstream in(broken_fixtures_dir() / "EXPECTED");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream split(line);
    std::string field;
    while (std::getline(split, field, '\t')) fields.push_back(field);
    if (fields.size() != 4) {
      ADD_FAILURE() << "EXPECTED: not 4 tab-separated fields: " << line;
      continue;
    }
    BrokenFixture f{fields[0], fields[1], fields[2] == "opens", "", ""};
    if (fields[3] != "-") {
      const auto colon = fields[3].find(':');
      f.tool = fields[3].substr(0, colon);
      f.message = fields[3].substr(colon + 1);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> broken_fixtures() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& f : broken_fixture_details()) out.emplace_back(std::move(f.name), std::move(f.verdict));
  return out;
}

bool is_error_verdict(const std::string& verdict) {
  return verdict != "ok" && !verdict.starts_with("warnings:");
}

}  // namespace tdump::tiff::testing
