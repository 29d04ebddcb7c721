// The incremental protocol on real files: how many rounds and bytes a header costs, predicted
// from the layout libtiff (tiffdump) and GDAL (gdalinfo) report, never from our own output.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "test_util.hpp"
#include "tool_outputs.hpp"

namespace tdump::tiff::testing {
namespace {

std::filesystem::path fixture(const std::string& name) {
  return generated_fixtures_dir() / "valid" / name;
}

bool covered(const std::vector<ByteRange>& held, std::uint64_t offset, std::uint64_t length) {
  return std::any_of(held.begin(), held.end(),
                     [&](const ByteRange& r) { return offset >= r.offset && offset + length <= r.end(); });
}

// Rounds the documented protocol takes for the IFD chain tiffdump shows: the prefetch, then
// one round per IFD not yet held, fetched with max(IFD size, read-ahead) bytes (a second round
// when even its entry count was not held and the IFD is longer than the read-ahead). Assumes
// each IFD's values follow it within the read-ahead, as libtiff and GDAL write them.
std::size_t predicted_rounds(const Tiffdump& dump, std::uint64_t prefetch, std::uint64_t file_size) {
  const std::uint64_t read_ahead = ParseLimits{}.ifd_read_ahead;
  std::vector<ByteRange> held = {{0, std::min(prefetch, file_size)}};
  std::size_t rounds = 1;
  for (const DumpIfd& ifd : dump.ifds) {
    const std::uint64_t n = ifd.entries.size();
    const std::uint64_t size = dump.bigtiff ? 8 + 20 * n + 8 : 2 + 12 * n + 4;
    if (covered(held, ifd.offset, size)) continue;
    if (!covered(held, ifd.offset, dump.bigtiff ? 8 : 2) && size > read_ahead) ++rounds;
    ++rounds;
    held.push_back({ifd.offset, std::min(std::max(size, read_ahead), file_size - ifd.offset)});
  }
  return rounds;
}

class FarIfds : public ::testing::TestWithParam<std::string> {};
std::string stem_of(const ::testing::TestParamInfo<std::string>& param) {
  return param.param.substr(0, param.param.find('.'));
}
INSTANTIATE_TEST_SUITE_P(Fixtures, FarIfds,
                         ::testing::Values("multipage.tif", "many_ifds.tif", "tiffset_far_ifd.tif",
                                           "gdaladdo_overviews_rgb.tif", "tiffcp_tiled_lzw.tif", "cog_5level_mask.tif",
                                           "cog_bigtiff_jpeg_mask.tif"),
                         stem_of);

TEST_P(FarIfds, RoundsAsPredictedFromTheLayout) {
  const auto path = fixture(GetParam());
  const auto bytes = read_bytes(path);
  const Tiffdump dump = run_tiffdump(path);
  ASSERT_FALSE(dump.ifds.empty());
  for (std::uint64_t prefetch : {512ULL, 4096ULL, 16384ULL, 65536ULL}) {
    SCOPED_TRACE("prefetch " + std::to_string(prefetch));
    TiffHeader h;
    Session s = run_session(bytes, h, prefetch);
    ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
    EXPECT_EQ(h.main_ifd_count, dump.ifds.size());
    EXPECT_EQ(s.parses, predicted_rounds(dump, prefetch, bytes.size()));
    // One request per round: a fetched IFD brings its values along. The only exception is an IFD
    // that the prefetch holds but whose values it cuts: those come as one extra request.
    EXPECT_LE(s.requests(), s.parses + 1);
    if (prefetch >= 16384) {
      EXPECT_EQ(s.requests(), s.parses);
    }
  }
}

TEST(FixtureProtocol, EveryCogParsesFromTheFirst16KiBInOneRead) {
  std::size_t cogs = 0;
  for (const auto& path : valid_fixtures()) {
    const auto g = run_gdalinfo(path);
    const auto structure = g["metadata"].value("IMAGE_STRUCTURE", nlohmann::json::object());
    if (structure.value("LAYOUT", "") != "COG") continue;
    ++cogs;
    SCOPED_TRACE(path.filename().string());
    const auto bytes = read_bytes(path);
    TiffHeader h;
    Session s = run_session(bytes, h, 16384);
    ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
    EXPECT_EQ(s.parses, 1U);
    EXPECT_EQ(s.requests(), 1U);
    EXPECT_EQ(h.header_bytes, std::min<std::uint64_t>(16384, bytes.size()));
  }
  EXPECT_GE(cogs, 10U);
}

TEST(FixtureProtocol, StripHeavyFileNeverFetchesItsOffsetArrays) {
  const auto path = fixture("strips_100k.tif");
  const auto bytes = read_bytes(path);
  const Tiffdump dump = run_tiffdump(path);
  ASSERT_EQ(dump.ifds.size(), 1U);
  const DumpEntry* offsets = dump.ifds[0].find(273);
  const DumpEntry* counts = dump.ifds[0].find(279);
  ASSERT_NE(offsets, nullptr);
  ASSERT_NE(counts, nullptr);
  ASSERT_GE(offsets->count, 100000U);
  // The smaller of the two arrays: fetching either would cost at least this much.
  const std::uint64_t smallest_array = counts->count * (counts->type == 3 ? 2 : counts->type == 4 ? 4 : 8);
  for (std::uint64_t prefetch : {64ULL, 1024ULL, 16384ULL}) {
    TiffHeader h;
    Session s = run_session(bytes, h, prefetch);
    ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
    EXPECT_LT(s.bytes_fetched, smallest_array) << prefetch;
    EXPECT_LE(s.parses, 2U);
    const Entry* e = h.find(h.ifds[0], 273);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->count, offsets->count);
    EXPECT_FALSE(e->loaded);
  }
}

TEST(FixtureProtocol, AValueLongerThanThePrefetchCostsOneMoreRead) {
  const auto path = fixture("long_description.tif");
  const auto bytes = read_bytes(path);
  const Tiffdump dump = run_tiffdump(path);
  const DumpEntry* description = dump.ifds.at(0).find(270);
  ASSERT_NE(description, nullptr);
  ASSERT_GT(description->count, 16384U);
  TiffHeader h;
  Session s = run_session(bytes, h, 16384);
  ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
  EXPECT_EQ(s.parses, 2U);
  EXPECT_EQ(s.requests(), 2U);
  EXPECT_GT(h.header_extent, description->count);
}

}  // namespace
}  // namespace tdump::tiff::testing
