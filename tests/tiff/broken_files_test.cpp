// The committed hand-built broken files (tests/fixtures/broken, made by make_broken_tiffs.py):
// each must fail with the error kind EXPECTED names, read with the file size known or not.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "test_util.hpp"
#include "tiff/fetcher.hpp"
#include "tiff/geokeys.hpp"

namespace tdump::tiff::testing {
namespace {

const std::filesystem::path broken_dir = std::filesystem::path(TDUMP_SOURCE_DIR) / "tests/fixtures/broken";

std::vector<std::pair<std::string, std::string>> expected_kinds() {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(broken_dir / "EXPECTED");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, kind;
    fields >> file >> kind;
    out.emplace_back(file, kind);
  }
  return out;
}

RangeReader memory_reader(const std::vector<std::uint8_t>& file) {
  return [&file](std::uint64_t offset, std::span<std::uint8_t> buffer) -> Result<std::uint64_t> {
    if (offset >= file.size()) return std::uint64_t{0};
    std::uint64_t n = std::min<std::uint64_t>(buffer.size(), file.size() - offset);
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(offset), n, buffer.begin());
    return n;
  };
}

// The error kind of a file, header and GeoKeys of IFD 0 together ("none" when it is fine).
std::string error_kind(const std::vector<std::uint8_t>& file, bool size_known) {
  HeaderFetcher fetcher;
  TiffHeader h;
  FetchStats stats;
  std::optional<std::uint64_t> size;
  if (size_known) size = file.size();
  Status status = fetcher.fetch(memory_reader(file), size, h, stats);
  if (!status.ok()) {
    EXPECT_FALSE(h.error.message.empty());
    return std::string(to_string(h.error.kind));
  }
  GeoKeySet keys;
  return std::string(to_string(decode_geokeys(h, h.ifds.front(), keys).kind));
}

TEST(BrokenFiles, EachFailsWithItsOwnKind) {
  auto expected = expected_kinds();
  ASSERT_GE(expected.size(), 8U);
  std::set<std::string> kinds;
  for (const auto& [file, kind] : expected) {
    auto bytes = read_bytes(broken_dir / file);
    EXPECT_EQ(error_kind(bytes, true), kind) << file;
    EXPECT_EQ(error_kind(bytes, false), kind) << file << " (size unknown)";
    kinds.insert(kind);
  }
  EXPECT_GE(kinds.size(), 8U);  // the issue asks for at least 8 kinds of broken file
}

TEST(BrokenFiles, EveryPrefixOfEveryBrokenFileFailsCleanly) {
  for (const auto& [file, kind] : expected_kinds()) {
    auto bytes = read_bytes(broken_dir / file);
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
      std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_NE(error_kind(prefix, n % 2 == 0), "none") << file << " cut at " << n;
    }
  }
}

TEST(Fetcher, CountsReadsAndPropagatesReaderErrors) {
  auto bytes = read_bytes(broken_dir / "ifd_loop_two.tif");
  HeaderFetcher fetcher;
  TiffHeader h;
  FetchStats stats;
  int calls = 0;
  RangeReader failing = [&](std::uint64_t, std::span<std::uint8_t>) -> Result<std::uint64_t> {
    ++calls;
    return make_error(ErrorCode::kNetwork, "connection reset");
  };
  Status status = fetcher.fetch(failing, std::nullopt, h, stats);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stats.reads, 0U);
}

TEST(Fetcher, LimitsReadsPerHeader) {
  // A chain of IFDs spaced past the read-ahead: one read each.
  std::vector<std::uint8_t> file(16, 0);
  file[0] = file[1] = 'I';
  file[2] = 42;
  file[4] = 16;
  ParseLimits limits;
  limits.ifd_read_ahead = 18;  // exactly one 1-entry IFD
  FetchOptions options;
  options.prefetch = 16;
  options.max_reads = 5;
  for (int i = 0; i < 10; ++i) {  // IFD i at 16 + 1000 i: one ImageWidth entry, next at +1000
    std::size_t at = 16 + 1000 * static_cast<std::size_t>(i);
    file.resize(at + 18 + 1000, 0);
    file[at] = 1;
    file[at + 2] = 0;
    file[at + 3] = 1;  // tag 256
    file[at + 4] = 3;  // SHORT
    file[at + 6] = 1;  // count 1
    std::uint32_t next = i == 9 ? 0 : static_cast<std::uint32_t>(at + 1000);
    for (int k = 0; k < 4; ++k) file[at + 14 + k] = static_cast<std::uint8_t>(next >> (8 * k));
  }
  HeaderFetcher fetcher(limits, options);
  TiffHeader h;
  FetchStats stats;
  Status status = fetcher.fetch(memory_reader(file), file.size(), h, stats);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kLimit);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kOverBudget);
  EXPECT_EQ(stats.reads, 5U);

  options.max_reads = 100;
  HeaderFetcher generous(limits, options);
  ASSERT_TRUE(generous.fetch(memory_reader(file), file.size(), h, stats).ok()) << h.error.message;
  EXPECT_EQ(h.main_ifd_count, 10U);
  EXPECT_EQ(stats.reads, 11U);  // the 16-byte prefetch, then one read per IFD
  EXPECT_EQ(stats.rounds, 11U);
}

}  // namespace
}  // namespace tdump::tiff::testing
