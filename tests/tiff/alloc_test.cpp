// The hot path allocates nothing: with a reused output record, parsing a COG-like header,
// decoding its GeoKeys, summarising its IFDs, running libtiff's directory checks and the COG
// probe and rules makes zero heap allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "test_util.hpp"
#include "tiff/checks.hpp"
#include "tiff/cog.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/image_info.hpp"
#include "tiff_builder.hpp"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// A counting global operator new for this test binary only.
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace tdump::tiff::testing {
namespace {

// A COG-shaped file: 4 levels, each with a mask IFD, GeoKeys and GDAL tags on IFD 0.
std::vector<std::uint8_t> cog_like() {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  std::vector<std::uint64_t> previous;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  for (int level = 0; level < 8; ++level) {
    std::vector<BuildEntry> entries = {shorts(256, {1024U >> (level / 2)}),
                                       shorts(257, {1024U >> (level / 2)}),
                                       shorts(258, {8, 8, 8}),
                                       shorts(259, {8}),
                                       shorts(262, {2}),
                                       shorts(277, {3}),
                                       shorts(322, {256}),
                                       shorts(323, {256}),
                                       longs(324, std::vector<std::uint64_t>(16, pixel)),
                                       longs(325, std::vector<std::uint64_t>(16, 1)),
                                       shorts(339, {1, 1, 1})};
    if (level > 0) entries.insert(entries.begin(), longs(254, {level % 2 == 1 ? 4U : 1U}));
    if (level == 0) {
      entries.push_back(doubles(33550, {10, 10, 0}));
      entries.push_back(doubles(33922, {0, 0, 0, 500000, 4600000, 0}));
      entries.push_back(
          shorts(34735, {1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 8, 0, 3072, 0, 1, 32633}));
      entries.push_back(ascii(34737, "UTM 33N|"));
      entries.push_back(ascii(42112, "<GDALMetadata><Item name=\"A\">1</Item></GDALMetadata>"));
      entries.push_back(ascii(42113, "0"));
    }
    std::uint64_t ifd = b.add_ifd(entries);
    if (level == 0) first = ifd;
    if (last != 0) b.set_next(last, ifd);
    last = ifd;
  }
  b.set_first_ifd(first);
  return b.bytes();
}

TEST(Allocations, NonePerHeaderWithAReusedRecord) {
  const auto file = cog_like();
  ASSERT_LT(file.size(), 16384U);
  ByteChunk chunk{0, file};
  const FileBytes bytes{std::span<const ByteChunk>(&chunk, 1), file.size()};
  HeaderParser parser;
  TiffHeader header;
  GeoKeySet geokeys;
  // Warm-up: the record grows to its working size once.
  ASSERT_EQ(parser.parse(bytes, header), ParseStatus::kComplete) << header.error.message;
  ASSERT_EQ(header.main_ifd_count, 8U);
  ASSERT_TRUE(decode_geokeys(header, header.ifds[0], geokeys).ok());
  CogFacts facts;
  CogReport report;
  std::vector<ByteRange> needed;
  check_directories(header);
  probe_cog(header, bytes, facts, needed);
  validate_cog(header, facts, report);
  ASSERT_TRUE(facts.complete);
  ASSERT_TRUE(report.is_cog.has_value());

  const long before = g_allocations.load();
  std::uint64_t checksum = 0;
  for (int i = 0; i < 1000; ++i) {
    if (parser.parse(bytes, header) != ParseStatus::kComplete) FAIL();
    if (!decode_geokeys(header, header.ifds[0], geokeys).ok()) FAIL();
    for (const Ifd& ifd : header.main_chain()) checksum += describe_image(header, ifd).width;
    check_directories(header);
    needed.clear();
    probe_cog(header, bytes, facts, needed);
    validate_cog(header, facts, report);
    checksum += facts.levels.size() + header.warnings.size();
  }
  const long after = g_allocations.load();
  EXPECT_EQ(after - before, 0) << "heap allocations in 1000 parses";
  // Widths of the 8 IFDs; 4 levels (IFD 0 and its 3 overviews; the masks are not levels); and 12
  // warnings, since every IFD here declares 16 tiles: the 512 px IFDs have 4 and the smaller ones
  // 1 (offsets and byte counts each), so warnings are collected without allocating too.
  EXPECT_EQ(checksum, 1000U * (1024 + 1024 + 512 + 512 + 256 + 256 + 128 + 128 + 4 + 12));
}

}  // namespace
}  // namespace tdump::tiff::testing
