#pragma once
// The generated fixtures (tests/fixtures/make_tiff_fixtures.sh), made on first use: CTest runs
// the generator as a fixture-setup test, and a test binary run by hand makes them itself.
#include <filesystem>
#include <string>
#include <vector>

namespace tdump::tiff::testing {

// OUT_DIR of the generator for this build tree; generated if missing.
std::filesystem::path generated_fixtures_dir();
// Every valid fixture, sorted by name.
std::vector<std::filesystem::path> valid_fixtures();
// The committed broken files and their expected verdicts (tests/fixtures/broken/EXPECTED): an
// error kind, `warnings:KIND,...` (a data row with those warnings) or `ok`.
std::filesystem::path broken_fixtures_dir();
std::vector<std::pair<std::string, std::string>> broken_fixtures();
// True for a verdict that is an error row (not `ok`, not `warnings:...`).
bool is_error_verdict(const std::string& verdict);

struct BrokenFixture {
  std::string name;
  std::string verdict;
  bool gdal_opens = false;  // what gdalinfo does with it
  std::string tool;         // "tiffinfo" or "gdalinfo" (empty: the tools say nothing of it)
  std::string message;      // what that tool prints on stderr about the damage
};
std::vector<BrokenFixture> broken_fixture_details();

}  // namespace tdump::tiff::testing
