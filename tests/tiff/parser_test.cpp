// Unit tests of the parsing layer over hand-built files: every field type, both byte orders,
// classic and BigTIFF, inline and out-of-line values, chains, SubIFDs and the limits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.hpp"
#include "tiff/parser.hpp"
#include "tiff/values.hpp"
#include "tiff_builder.hpp"

namespace tdump::tiff::testing {
namespace {

struct Flavour {
  ByteOrder order;
  bool big;
};
std::string flavour_name(const ::testing::TestParamInfo<Flavour>& info) {
  return std::string(info.param.order == ByteOrder::kLittle ? "II" : "MM") + (info.param.big ? "_BigTIFF" : "_Classic");
}

class EveryFlavour : public ::testing::TestWithParam<Flavour> {};
INSTANTIATE_TEST_SUITE_P(Tiff, EveryFlavour,
                         ::testing::Values(Flavour{ByteOrder::kLittle, false}, Flavour{ByteOrder::kBig, false},
                                           Flavour{ByteOrder::kLittle, true}, Flavour{ByteOrder::kBig, true}),
                         flavour_name);

std::uint64_t bits(std::int64_t v, int width) {
  return static_cast<std::uint64_t>(v) & (width == 8 ? ~0ULL : ((1ULL << (8 * width)) - 1));
}

TEST_P(EveryFlavour, DecodesEveryFieldTypeInlineAndOutOfLine) {
  TiffBuilder b(GetParam().order, GetParam().big);
  const std::uint64_t pixel = b.append("x");
  // Tags 65000+ are private: each carries one type, first a value short enough to sit in the
  // entry, then one long enough to need an offset (in both flavours).
  std::vector<BuildEntry> extra = {
      typed(65001, 1, {7}),                                      // BYTE inline
      typed(65002, 1, {1, 2, 3, 250, 251, 252, 253, 254, 255}),  // BYTE offset
      typed(65003, 3, {65535}),
      typed(65004, 3, {1, 2, 3, 4, 5}),
      typed(65005, 4, {4000000000U}),
      typed(65006, 4, {1, 4000000000U, 3}),
      typed(65007, 5, {10, 4, 1, 3}),  // RATIONAL 2.5, 1/3
      typed(65008, 6, {bits(-5, 1)}),
      typed(65009, 8, {bits(-2, 2), bits(-32768, 2), 7, 8, 9}),
      typed(65010, 9, {bits(-7, 4), bits(-2000000000, 4), 5}),
      typed(65011, 10, {bits(-1, 4), 2, 3, bits(-4, 4)}),  // SRATIONAL -0.5, -0.75
      typed(65014, 13, {12345, 678}),                      // IFD (offsets, not followed)
      typed(65015, 16, {1ULL << 40, 3}),                   // LONG8
      typed(65016, 17, {bits(-3, 8), bits(std::numeric_limits<std::int64_t>::min(), 8)}),
      typed(65017, 18, {99}),  // IFD8
      ascii(65018, "hello, TIFF"),
      ascii(65019, "ab"),
  };
  BuildEntry floats;
  floats.tag = 65012;
  floats.type = 11;
  floats.reals = {1.5, -2.25, 1e10};
  floats.count = 3;
  extra.push_back(floats);
  extra.push_back(doubles(65013, {3.25, -1e-300}));
  BuildEntry blob;
  blob.tag = 65020;
  blob.type = 7;
  blob.bytes = std::string("\x00\x01\xfe\xff\x80", 5);
  blob.count = 5;
  extra.push_back(blob);
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, extra)));

  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete) << h.error.message;
  EXPECT_EQ(h.bigtiff, GetParam().big);
  EXPECT_EQ(h.byte_order, GetParam().order);
  ASSERT_EQ(h.ifds.size(), 1U);
  const Ifd& ifd = h.ifds[0];
  const ByteOrder o = h.byte_order;
  auto entry = [&](std::uint16_t tag) -> const Entry& {
    const Entry* e = h.find(ifd, tag);
    EXPECT_NE(e, nullptr) << tag;
    static Entry none;
    return e != nullptr ? *e : none;
  };
  EXPECT_EQ(uint_at(entry(65001), o, 0), 7U);
  EXPECT_TRUE(entry(65001).is_inline);
  EXPECT_FALSE(entry(65002).is_inline);
  EXPECT_EQ(entry(65002).count, 9U);
  EXPECT_EQ(uint_at(entry(65002), o, 8), 255U);
  EXPECT_EQ(uint_at(entry(65003), o, 0), 65535U);
  EXPECT_EQ(uint_at(entry(65004), o, 4), 5U);
  EXPECT_EQ(uint_at(entry(65005), o, 0), 4000000000U);
  EXPECT_EQ(uint_at(entry(65006), o, 1), 4000000000U);
  EXPECT_DOUBLE_EQ(number_at(entry(65007), o, 0), 2.5);
  EXPECT_DOUBLE_EQ(number_at(entry(65007), o, 1), 1.0 / 3.0);
  EXPECT_EQ(int_at(entry(65008), o, 0), -5);
  EXPECT_EQ(int_at(entry(65009), o, 0), -2);
  EXPECT_EQ(int_at(entry(65009), o, 1), -32768);
  EXPECT_EQ(int_at(entry(65010), o, 1), -2000000000);
  EXPECT_DOUBLE_EQ(number_at(entry(65011), o, 0), -0.5);
  EXPECT_DOUBLE_EQ(number_at(entry(65011), o, 1), -0.75);
  EXPECT_DOUBLE_EQ(number_at(entry(65012), o, 0), 1.5);
  EXPECT_DOUBLE_EQ(number_at(entry(65012), o, 1), -2.25);
  EXPECT_DOUBLE_EQ(number_at(entry(65012), o, 2), 1e10);
  EXPECT_DOUBLE_EQ(number_at(entry(65013), o, 0), 3.25);
  EXPECT_DOUBLE_EQ(number_at(entry(65013), o, 1), -1e-300);
  EXPECT_EQ(uint_at(entry(65014), o, 1), 678U);
  EXPECT_EQ(uint_at(entry(65015), o, 0), 1ULL << 40);
  EXPECT_EQ(int_at(entry(65016), o, 0), -3);
  EXPECT_EQ(int_at(entry(65016), o, 1), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(uint_at(entry(65017), o, 0), 99U);
  EXPECT_EQ(text_of(entry(65018)), "hello, TIFF");
  EXPECT_EQ(text_of(entry(65019)), "ab");
  EXPECT_TRUE(entry(65019).is_inline);
  const auto blob_bytes = entry(65020).bytes();
  EXPECT_EQ(std::string(blob_bytes.begin(), blob_bytes.end()), std::string("\x00\x01\xfe\xff\x80", 5));
  // Inline values: the value offset is inside the entry, within the IFD.
  EXPECT_GT(entry(65001).value_offset, ifd.offset);
  EXPECT_LT(entry(65001).value_offset, ifd.offset + b.ifd_size(ifd.entry_count));
}

TEST_P(EveryFlavour, WalksTheChainAndSubIfds) {
  TiffBuilder b(GetParam().order, GetParam().big);
  const std::uint64_t pixel = b.append("x");
  // Two SubIFDs of IFD 0, the second with a SubIFD of its own; IFD 1 in the main chain.
  const std::uint64_t sub_a = b.add_ifd(image_ifd(pixel, {longs(254, {1})}));
  const std::uint64_t sub_c = b.add_ifd(image_ifd(pixel, {longs(254, {1}), ascii(285, "sub c")}));
  const std::uint64_t sub_b = b.add_ifd(image_ifd(pixel, {longs(254, {4}), longs(330, {sub_c})}));
  const std::uint64_t ifd1 = b.add_ifd(image_ifd(pixel, {longs(254, {2})}));
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel, {longs(330, {sub_a, sub_b})}));
  b.set_next(ifd0, ifd1);
  b.set_first_ifd(ifd0);

  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete) << h.error.message;
  ASSERT_EQ(h.main_ifd_count, 2U);
  ASSERT_EQ(h.ifds.size(), 5U);
  EXPECT_EQ(h.ifds[0].offset, ifd0);
  EXPECT_EQ(h.ifds[0].next_offset, ifd1);
  EXPECT_EQ(h.ifds[1].offset, ifd1);
  EXPECT_EQ(h.ifds[1].next_offset, 0U);
  EXPECT_EQ(h.ifds[2].offset, sub_a);
  EXPECT_EQ(h.ifds[2].parent, 0);
  EXPECT_EQ(h.ifds[3].offset, sub_b);
  EXPECT_EQ(h.ifds[3].parent, 0);
  EXPECT_EQ(h.ifds[4].offset, sub_c);
  EXPECT_EQ(h.ifds[4].parent, 3);
  EXPECT_EQ(find_text(h, h.ifds[4], 285), "sub c");
  EXPECT_EQ(h.main_chain().size(), 2U);
}

TEST_P(EveryFlavour, NeverLoadsStripOrTileArraysButChecksThem) {
  TiffBuilder b(GetParam().order, GetParam().big);
  const std::uint64_t pixel = b.append("x");
  std::vector<std::uint64_t> offsets(50000, pixel);
  BuildEntry strips = longs(273, offsets);
  strips.place_at = 1'000'000;  // far past any prefetch
  BuildEntry counts = longs(279, std::vector<std::uint64_t>(50000, 1));
  counts.place_at = 2'000'000;
  std::vector<BuildEntry> entries = {shorts(256, {1}), shorts(257, {50000}), shorts(258, {8}),
                                     strips,           shorts(278, {1}),     counts};
  b.set_first_ifd(b.add_ifd(entries));

  TiffHeader h;
  Session s = run_session(b.bytes(), h, 16384);
  ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
  EXPECT_EQ(s.parses, 1U);
  EXPECT_EQ(s.bytes_fetched, 16384U);
  const Entry* e = h.find(h.ifds[0], 273);
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->loaded);
  EXPECT_EQ(e->count, 50000U);
  EXPECT_EQ(e->value_offset, 1'000'000U);
  EXPECT_LT(h.header_extent, 16384U);
  EXPECT_EQ(h.metadata_extent, 2'000'000U + 50000 * 4);

  // The arrays are still checked against the file size.
  std::vector<std::uint8_t> cut(b.bytes().begin(), b.bytes().begin() + 1'500'000);
  EXPECT_EQ(parse_whole(cut, h), ParseStatus::kFailed);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kOffsetPastEof);
}

TEST(Protocol, EachFarIfdCostsOneRoundWithItsValues) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  // IFD 0 in the prefetch; IFD 1 at 100 KB and IFD 2 at 300 KB, each with values right after.
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel, {ascii(305, std::string(200, 's'))}));
  b.pad_to(100'000);
  const std::uint64_t ifd1 = b.add_ifd(image_ifd(pixel, {doubles(33550, {1, 2, 0}), longs(254, {1})}));
  b.pad_to(300'000);
  const std::uint64_t ifd2 = b.add_ifd(image_ifd(pixel, {ascii(270, std::string(500, 'd')), longs(254, {1})}));
  b.set_next(ifd0, ifd1);
  b.set_next(ifd1, ifd2);
  b.set_first_ifd(ifd0);
  b.pad_to(400'000);

  TiffHeader h;
  Session s = run_session(b.bytes(), h, 16384);
  ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
  ASSERT_EQ(s.rounds.size(), 2U);
  ParseLimits defaults;
  EXPECT_EQ(s.rounds[0], (std::vector<ByteRange>{{ifd1, defaults.ifd_read_ahead}}));
  EXPECT_EQ(s.rounds[1], (std::vector<ByteRange>{{ifd2, defaults.ifd_read_ahead}}));
  EXPECT_EQ(h.main_ifd_count, 3U);
  EXPECT_EQ(h.header_bytes, 16384 + 2 * defaults.ifd_read_ahead);
  EXPECT_EQ(text_of(*h.find(h.ifds[2], 270)), std::string(500, 'd'));
}

TEST(Protocol, FarValuesAndTheNextIfdComeInOneCoalescedRequest) {
  TiffBuilder b(ByteOrder::kBig, true);
  const std::uint64_t pixel = b.append("x");
  BuildEntry text = ascii(270, std::string(3000, 'v'));
  text.place_at = 60'000;
  BuildEntry scale = doubles(33550, {10, 10, 0});
  scale.place_at = 64'000;
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel, {text, scale}));
  b.pad_to(70'000);
  const std::uint64_t ifd1 = b.add_ifd(image_ifd(pixel, {longs(254, {1})}));
  b.set_next(ifd0, ifd1);
  b.set_first_ifd(ifd0);
  b.pad_to(200'000);

  TiffHeader h;
  Session s = run_session(b.bytes(), h, 16384);
  ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
  ASSERT_EQ(s.rounds.size(), 1U);
  ParseLimits defaults;
  // Value at 60000, value at 64000 and IFD 1 at 70000 lie within the coalescing gap.
  EXPECT_EQ(s.rounds[0], (std::vector<ByteRange>{{60'000, 70'000 + defaults.ifd_read_ahead - 60'000}}));
  EXPECT_EQ(s.requests(), 2U);
  EXPECT_EQ(text_of(*h.find(h.ifds[0], 270)), std::string(3000, 'v'));
  EXPECT_DOUBLE_EQ(find_number(h, h.ifds[0], 33550).value_or(0), 10.0);
  EXPECT_EQ(h.header_extent, 70'000 + b.ifd_size(10));
}

TEST(Protocol, RangesFarApartStaySeparate) {
  std::vector<ByteRange> ranges = {{500'000, 10}, {0, 100}, {50, 100}, {100'000, 5}, {100'010, 5}};
  coalesce_ranges(ranges, 1000);
  EXPECT_EQ(ranges, (std::vector<ByteRange>{{0, 150}, {100'000, 15}, {500'000, 10}}));
}

TEST(Protocol, UnknownFileSizeLearnsTheEndFromShortReads) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel));
  b.pad_to(50'000);
  const std::uint64_t ifd1 = b.add_ifd(image_ifd(pixel, {longs(254, {1})}));  // near the end of the file
  b.set_next(ifd0, ifd1);
  b.set_first_ifd(ifd0);

  TiffHeader h;
  Session s = run_session(b.bytes(), h, 16384, /*size_known=*/false);
  ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
  EXPECT_EQ(h.main_ifd_count, 2U);
  EXPECT_EQ(s.rounds.size(), 1U);

  // Same file cut inside IFD 1: the short read ends the chain there, IFD 0 is kept with a warning.
  std::vector<std::uint8_t> cut(b.bytes().begin(), b.bytes().begin() + static_cast<std::ptrdiff_t>(ifd1 + 20));
  s = run_session(cut, h, 16384, /*size_known=*/false);
  ASSERT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
  EXPECT_EQ(h.main_ifd_count, 1U);
  ASSERT_EQ(h.warnings.size(), 1U);
  EXPECT_EQ(h.warnings[0].kind, WarningKind::kIfdChainBroken);
  EXPECT_EQ(h.warnings[0].ifd, 0);
  EXPECT_EQ(h.warnings[0].value, ifd1);

  // Cut inside IFD 0: nothing to read, a clean "truncated".
  cut.resize(static_cast<std::size_t>(ifd0 + 20));
  s = run_session(cut, h, 16384, /*size_known=*/false);
  ASSERT_EQ(s.status, ParseStatus::kFailed);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kTruncated);
}

TEST(Protocol, StatelessParserReusesTheOutputRecord) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  b.set_first_ifd(b.add_ifd(image_ifd(pixel)));
  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete);
  const Entry* first_entries = h.entries.data();
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete);
  EXPECT_EQ(h.entries.data(), first_entries);  // capacity kept, no reallocation
  EXPECT_EQ(h.ifds.size(), 1U);
  EXPECT_EQ(h.entries.size(), 9U);
}

// ---- limits (checked before anything is requested or stored) ----

TiffBuilder chain_of(std::size_t n) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t ifd = b.add_ifd(image_ifd(pixel, {ascii(305, std::string(100, 'a'))}));
    if (i == 0) b.set_first_ifd(ifd);
    if (previous != 0) b.set_next(previous, ifd);
    previous = ifd;
  }
  return b;
}

TEST(Limits, MaxIfds) {
  TiffHeader h;
  ParseLimits limits;
  limits.max_ifds = 3;
  EXPECT_EQ(parse_whole(chain_of(3).bytes(), h, limits), ParseStatus::kComplete);
  EXPECT_EQ(parse_whole(chain_of(4).bytes(), h, limits), ParseStatus::kFailed);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kOverBudget);
}

TEST(Limits, MaxEntriesPerIfd) {
  TiffHeader h;
  ParseLimits limits;
  limits.max_entries_per_ifd = 9;
  EXPECT_EQ(parse_whole(chain_of(1).bytes(), h, limits), ParseStatus::kFailed);  // 10 entries
  EXPECT_EQ(h.error.kind, TiffErrorKind::kCountTooLarge);
  limits.max_entries_per_ifd = 10;
  EXPECT_EQ(parse_whole(chain_of(1).bytes(), h, limits), ParseStatus::kComplete);
}

TEST(Limits, ValueBytesPerTagAndInTotal) {
  TiffHeader h;
  ParseLimits limits;
  limits.max_value_bytes = 99;  // one 101-byte Software value is over: left out, with a warning
  EXPECT_EQ(parse_whole(chain_of(1).bytes(), h, limits), ParseStatus::kComplete);
  ASSERT_EQ(h.warnings.size(), 1U);
  EXPECT_EQ(h.warnings[0].kind, WarningKind::kValueTooLarge);
  EXPECT_EQ(h.warnings[0].tag, 305);
  EXPECT_EQ(h.find(h.ifds[0], 305), nullptr);
  limits.max_value_bytes = 250;  // two fit, three do not
  EXPECT_EQ(parse_whole(chain_of(2).bytes(), h, limits), ParseStatus::kComplete);
  EXPECT_EQ(parse_whole(chain_of(3).bytes(), h, limits), ParseStatus::kFailed);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kOverBudget);
}

TEST(Limits, HeaderBytesIncludeWhatWouldBeRequested) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  BuildEntry big = typed(65000, 7, {});
  big.bytes = std::string(200'000, 'u');
  big.count = big.bytes.size();
  big.place_at = 100'000;
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, {big})));
  TiffHeader h;
  ParseLimits limits;
  limits.max_header_bytes = 200'000;
  Session s = run_session(b.bytes(), h, 16384, true, limits);
  EXPECT_EQ(s.status, ParseStatus::kFailed);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kOverBudget);
  EXPECT_TRUE(s.rounds.empty());  // refused before asking for anything
  limits.max_header_bytes = 300'000;
  s = run_session(b.bytes(), h, 16384, true, limits);
  EXPECT_EQ(s.status, ParseStatus::kComplete) << h.error.message;
}

TEST(Limits, CountOverflowingSixtyFourBits) {
  TiffBuilder b(ByteOrder::kLittle, true);
  const std::uint64_t pixel = b.append("x");
  BuildEntry huge = typed(65000, 12, {});
  huge.count = (1ULL << 62);  // 2^62 DOUBLEs: 2^65 bytes
  huge.raw_offset = 16;
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, {huge})));
  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete);  // an optional tag: left out
  ASSERT_EQ(h.warnings.size(), 1U);
  EXPECT_EQ(h.warnings[0].kind, WarningKind::kValueTooLarge);
  EXPECT_EQ(h.find(h.ifds[0], 65000), nullptr);
}

TEST(Limits, ValueOffsetNearTwoToTheSixtyFour) {
  TiffBuilder b(ByteOrder::kLittle, true);
  const std::uint64_t pixel = b.append("x");
  BuildEntry far = ascii(305, std::string(100, 'a'));
  far.raw_offset = ~0ULL - 10;
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, {far})));
  TiffHeader h;
  Session s = run_session(b.bytes(), h, 16384, /*size_known=*/false);
  ASSERT_EQ(s.status, ParseStatus::kComplete);  // an optional tag: left out
  ASSERT_EQ(h.warnings.size(), 1U);
  EXPECT_EQ(h.warnings[0].kind, WarningKind::kValuePastEof);
  EXPECT_EQ(h.warnings[0].tag, 305);
}

TEST(Lenient, RequiredTagDamageFailsIfdZeroButOnlyWarnsElsewhere) {
  // BitsPerSample (3 values) past the end of the file: libtiff cannot open such a directory.
  for (bool in_ifd0 : {true, false}) {
    TiffBuilder b(ByteOrder::kLittle, false);
    const std::uint64_t pixel = b.append("x");
    BuildEntry bits = shorts(258, {8, 8, 8});
    bits.raw_offset = 99'999;
    auto broken = image_ifd(pixel);
    for (auto& e : broken) {
      if (e.tag == 258) e = bits;
    }
    const std::uint64_t ifd0 = b.add_ifd(in_ifd0 ? broken : image_ifd(pixel));
    b.set_first_ifd(ifd0);
    if (!in_ifd0) b.set_next(ifd0, b.add_ifd(broken));
    TiffHeader h;
    if (in_ifd0) {
      ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kFailed);
      EXPECT_EQ(h.error.kind, TiffErrorKind::kOffsetPastEof);
    } else {
      ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete) << h.error.message;
      EXPECT_EQ(h.main_ifd_count, 2U);
      ASSERT_EQ(h.warnings.size(), 1U);
      EXPECT_EQ(h.warnings[0].kind, WarningKind::kValuePastEof);
      EXPECT_EQ(h.warnings[0].ifd, 1);
      EXPECT_TRUE(h.warnings[0].blocks_ifd);
    }
  }
}

TEST(Limits, AsciiStrictnessIsConfigurable) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, {ascii(305, "Copyright \xa9 1999")})));  // Latin-1
  TiffHeader h;
  EXPECT_EQ(parse_whole(b.bytes(), h), ParseStatus::kFailed);
  EXPECT_EQ(h.error.kind, TiffErrorKind::kInvalidAscii);
  ParseLimits lenient;
  lenient.strict_ascii = false;
  EXPECT_EQ(parse_whole(b.bytes(), h, lenient), ParseStatus::kComplete);
}

TEST(Limits, LoopThroughSubIfds) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel, {longs(330, {0})}));
  b.set_first_ifd(ifd0);
  std::vector<std::uint8_t> bytes = b.bytes();
  // Point the SubIFDs value (inline, LONG) back at IFD 0 itself.
  TiffHeader h;
  ASSERT_EQ(parse_whole(bytes, h), ParseStatus::kComplete);
  const Entry* sub = h.find(h.ifds[0], 330);
  ASSERT_NE(sub, nullptr);
  const auto at = static_cast<std::size_t>(sub->value_offset);
  bytes[at] = static_cast<std::uint8_t>(ifd0);
  bytes[at + 1] = static_cast<std::uint8_t>(ifd0 >> 8);
  ASSERT_EQ(parse_whole(bytes, h), ParseStatus::kComplete);  // IFD 0 is read: the loop only ends the SubIFDs
  ASSERT_EQ(h.warnings.size(), 1U);
  EXPECT_EQ(h.warnings[0].kind, WarningKind::kIfdLoop);
  EXPECT_EQ(h.ifds.size(), 1U);
}

// ---- robustness: every prefix and many corruptions of a valid file end cleanly ----

TEST_P(EveryFlavour, EveryTruncationEndsCleanly) {
  TiffBuilder b(GetParam().order, GetParam().big);
  const std::uint64_t pixel = b.append("x");
  const std::uint64_t ifd1 = b.add_ifd(image_ifd(pixel, {doubles(33550, {1, 2, 3}), longs(254, {1})}));
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel, {ascii(305, "software"), longs(330, {ifd1})}));
  b.set_first_ifd(ifd0);
  const auto& full = b.bytes();
  TiffHeader h;
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    for (bool size_known : {true, false}) {
      Session s = run_session(prefix, h, 64, size_known);
      if (s.status == ParseStatus::kComplete) continue;  // a cut in the image data only
      ASSERT_EQ(s.status, ParseStatus::kFailed) << n;
      EXPECT_TRUE(h.error.kind == TiffErrorKind::kTruncated || h.error.kind == TiffErrorKind::kOffsetPastEof)
          << n << ": " << h.error.message;
    }
  }
  EXPECT_EQ(run_session(full, h, 64).status, ParseStatus::kComplete);
}

TEST_P(EveryFlavour, CorruptedBytesNeverCrash) {
  TiffBuilder b(GetParam().order, GetParam().big);
  const std::uint64_t pixel = b.append("xyz");
  const std::uint64_t ifd1 = b.add_ifd(image_ifd(pixel, {doubles(33550, {1, 2, 3}), longs(254, {1})}));
  const std::uint64_t ifd0 = b.add_ifd(image_ifd(pixel, {ascii(305, "software"), longs(330, {ifd1})}));
  b.set_next(ifd0, ifd1);
  b.set_first_ifd(ifd0);
  std::uint32_t seed = 12345;
  auto next_random = [&seed] {
    seed = seed * 1664525U + 1013904223U;
    return seed >> 8;
  };
  TiffHeader h;
  ParseLimits small;
  small.max_value_bytes = 1 << 16;
  small.max_header_bytes = 1 << 20;
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::uint8_t> bytes = b.bytes();
    for (int flips = 1 + static_cast<int>(next_random() % 4); flips > 0; --flips) {
      bytes[next_random() % bytes.size()] = static_cast<std::uint8_t>(next_random());
    }
    Session s = run_session(bytes, h, 32 + next_random() % 256, next_random() % 2 == 0, small);
    if (s.status == ParseStatus::kFailed) {
      EXPECT_NE(h.error.kind, TiffErrorKind::kNone);
    }
  }
}

}  // namespace
}  // namespace tdump::tiff::testing
