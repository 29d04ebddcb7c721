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
// The committed broken files and their expected error kinds (tests/fixtures/broken/EXPECTED).
std::filesystem::path broken_fixtures_dir();
std::vector<std::pair<std::string, std::string>> broken_fixtures();

}  // namespace tdump::tiff::testing
