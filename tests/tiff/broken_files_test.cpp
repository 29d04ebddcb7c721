// The committed hand-built broken files (tests/fixtures/broken, made by make_broken_tiffs.py):
// each must get the verdict EXPECTED names (an error kind, or a data row with those warnings),
// read through the header session with the file size known or not.
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
    std::string file, verdict;
    std::getline(fields, file, '\t');
    std::getline(fields, verdict, '\t');
    out.emplace_back(file, verdict);
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

// The verdict of the header session: the error kind, `warnings:KIND,...`, or `ok`.
std::string verdict(const std::vector<std::uint8_t>& file, bool size_known) {
  HeaderFetcher fetcher;
  std::optional<std::uint64_t> size;
  if (size_known) size = file.size();
  Status status = fetcher.fetch(memory_reader(file), size);
  const HeaderSession& s = fetcher.session();
  if (!status.ok()) {
    EXPECT_EQ(s.state(), SessionState::kFailed);
    EXPECT_FALSE(s.error().message.empty());
    return std::string(to_string(s.error().kind));
  }
  EXPECT_EQ(s.state(), SessionState::kDone);
  if (s.header().warnings.empty()) return "ok";
  std::string out = "warnings:";
  for (const TiffWarning& w : s.header().warnings) {
    if (out.back() != ':') out += ',';
    out += to_string(w.kind);
    // Every warning names what it is about.
    EXPECT_FALSE(warning_text(w).empty());
  }
  return out;
}

TEST(BrokenFiles, EachGetsItsVerdict) {
  auto expected = expected_kinds();
  ASSERT_GE(expected.size(), 40U);
  std::set<std::string> verdicts;
  for (const auto& [file, kind] : expected) {
    auto bytes = read_bytes(broken_dir / file);
    EXPECT_EQ(verdict(bytes, true), kind) << file;
    EXPECT_EQ(verdict(bytes, false), kind) << file << " (size unknown)";
    verdicts.insert(kind);
  }
  EXPECT_GE(verdicts.size(), 20U);
}

TEST(BrokenFiles, EveryPrefixOfEveryBrokenFileIsFlagged) {
  // A cut file is never clean: it fails, or its header is read with a warning.
  for (const auto& [file, kind] : expected_kinds()) {
    auto bytes = read_bytes(broken_dir / file);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      std::vector<std::uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_NE(verdict(prefix, n % 2 == 0), "ok") << file << " cut at " << n;
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
  EXPECT_EQ(stats.reads, 1U);  // asked for, and failed
  EXPECT_EQ(stats.bytes, 0U);
}

TEST(Fetcher, LimitsRoundsPerHeader) {
  // A chain of IFDs spaced past the read-ahead: one read each.
  std::vector<std::uint8_t> file(16, 0);
  file[0] = file[1] = 'I';
  file[2] = 42;
  file[4] = 16;
  SessionLimits limits;
  limits.parse.ifd_read_ahead = 18;  // exactly one 1-entry IFD
  limits.prefetch = 16;
  limits.max_rounds = 5;
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
  HeaderFetcher fetcher(limits);
  TiffHeader h;
  FetchStats stats;
  Status status = fetcher.fetch(memory_reader(file), file.size(), h, stats);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kLimit);
  EXPECT_EQ(fetcher.session().error().kind, TiffErrorKind::kOverBudget);
  EXPECT_EQ(stats.rounds, 5U);
  EXPECT_EQ(stats.reads, 5U);

  limits.max_rounds = 100;
  HeaderFetcher generous(limits);
  ASSERT_TRUE(generous.fetch(memory_reader(file), file.size(), h, stats).ok()) << h.error.message;
  EXPECT_EQ(h.main_ifd_count, 10U);
  EXPECT_EQ(stats.reads, 11U);  // the 16-byte prefetch, then one read per IFD
  EXPECT_EQ(stats.rounds, 11U);
}

}  // namespace
}  // namespace tdump::tiff::testing
