#pragma once
// The geo tests' files: tests/fixtures/make_geo_fixtures.sh's (made on first use, or by the
// geo_make_fixtures CTest fixture) and the tiff tests' generated fixtures.
#include <filesystem>
#include <vector>

namespace tdump::geo::testing {

// OUT_DIR/geo of the geo generator for this build tree; generated if missing.
std::filesystem::path geo_fixtures_dir();
// Every geo fixture and every valid tiff fixture, sorted by path.
std::vector<std::filesystem::path> all_fixtures();

}  // namespace tdump::geo::testing
