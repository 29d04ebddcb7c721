// The RLE / bit-packing hybrid against the Parquet encodings spec: its own bit-packing example
// and hand-worked runs.
#include <gtest/gtest.h>

#include <vector>

#include "parquet/rle.hpp"

namespace tdump::parquet {
namespace {

using V = std::vector<std::uint8_t>;
V encode8(const V& values, int width) {
  ByteBuffer out;
  rle_hybrid_encode(std::span<const std::uint8_t>(values), width, out);
  return {out.data(), out.data() + out.size()};
}

TEST(RleHybrid, SpecBitPackingExample) {
  // Encodings.md: 0..7 with bit width 3 pack to 10001000 11000110 11111010; header = 1 group << 1 | 1.
  EXPECT_EQ(encode8({0, 1, 2, 3, 4, 5, 6, 7}, 3), (V{0x03, 0x88, 0xC6, 0xFA}));
}

TEST(RleHybrid, LongRunBecomesOneRleRun) {
  // header = varint(100 << 1) = 0xC8 0x01, then the value in ceil(1/8) = 1 byte.
  EXPECT_EQ(encode8(V(100, 1), 1), (V{0xC8, 0x01, 0x01}));
  // Bit width 0 (a dictionary of one entry would be width 1 here; levels of max 0 are never encoded).
  EXPECT_EQ(encode8(V(8, 0), 0), (V{0x10}));
}

TEST(RleHybrid, LiteralsBorrowFromTheFollowingRunToFillTheirGroup) {
  // [1,0,1] then ten 2s, width 2: literal group [1,0,1,2,2,2,2,2] = 0x91 0xAA, then RLE of five 2s.
  V values{1, 0, 1};
  values.insert(values.end(), 10, 2);
  EXPECT_EQ(encode8(values, 2), (V{0x03, 0x91, 0xAA, 0x0A, 0x02}));
}

TEST(RleHybrid, TrailingLiteralsArePaddedWithZeros) {
  // [1,1,0] width 1: one group, bits 1,1,0 then five zero pads = 0b00000011.
  EXPECT_EQ(encode8({1, 1, 0}, 1), (V{0x03, 0x03}));
}

TEST(RleHybrid, WideIndicesUseLittleEndianRunValues) {
  std::vector<std::uint32_t> values(9, 0x12345);
  ByteBuffer out;
  rle_hybrid_encode(std::span<const std::uint32_t>(values), 17, out);
  // header varint(9 << 1) = 0x12, value in ceil(17/8) = 3 bytes little-endian.
  EXPECT_EQ(V(out.data(), out.data() + out.size()), (V{0x12, 0x45, 0x23, 0x01}));
}

TEST(RleHybrid, BitWidthFor) {
  EXPECT_EQ(bit_width_for(0), 0);
  EXPECT_EQ(bit_width_for(1), 1);
  EXPECT_EQ(bit_width_for(2), 2);
  EXPECT_EQ(bit_width_for(255), 8);
  EXPECT_EQ(bit_width_for(256), 9);
}

}  // namespace
}  // namespace tdump::parquet
