#include "geo_fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.hpp"
#include "process.hpp"

namespace tdump::geo::testing {

std::filesystem::path geo_fixtures_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path out = std::filesystem::path(TDUMP_BINARY_DIR) / "tests/geo/fixtures";
    if (!std::filesystem::exists(out / ".complete")) {
      auto script = std::filesystem::path(TDUMP_SOURCE_DIR) / "tests/fixtures/make_geo_fixtures.sh";
      auto result = tdump::testing::run_command({"bash", script.string(), out.string()});
      if (result.exit_code != 0) ADD_FAILURE() << "geo fixture generation failed:\n" << result.err;
    }
    return out / "geo";
  }();
  return dir;
}

std::vector<std::filesystem::path> all_fixtures() {
  std::vector<std::filesystem::path> files = tdump::tiff::testing::valid_fixtures();
  const auto dir = geo_fixtures_dir();
  if (std::filesystem::exists(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".tif") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace tdump::geo::testing
