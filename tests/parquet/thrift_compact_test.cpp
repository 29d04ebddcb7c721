// Byte-exact checks of the compact protocol encoder; expected bytes are worked out by hand from
// the Thrift compact protocol specification (field header = delta << 4 | type, zigzag varints,
// list header = size << 4 | element type, stop byte 0).
#include <gtest/gtest.h>

#include <vector>

#include "parquet/thrift_compact.hpp"

namespace tdump::parquet::thrift {
namespace {

std::vector<std::uint8_t> bytes_of(const ByteBuffer& b) {
  return {b.data(), b.data() + b.size()};
}
using V = std::vector<std::uint8_t>;

TEST(ThriftCompact, ShortFieldHeadersAndZigzagVarints) {
  ByteBuffer out;
  CompactWriter w(out);
  w.begin_message();
  w.field_i32(1, 5);        // 0x15, zigzag(5) = 10
  w.field_i32(2, -1);       // 0x15, zigzag(-1) = 1
  w.field_i64(3, 300);      // 0x16, zigzag(300) = 600 = 0xD8 0x04
  w.field_bool(4, true);    // 0x11
  w.field_bool(5, false);   // 0x12
  w.field_binary(6, "ab");  // 0x18, len 2, 'a' 'b'
  w.field_i8(7, -2);        // 0x13, raw byte 0xFE
  w.field_i16(8, 7);        // 0x14, zigzag(7) = 14
  w.end_struct();
  EXPECT_EQ(bytes_of(out), (V{0x15, 0x0A, 0x15, 0x01, 0x16, 0xD8, 0x04, 0x11, 0x12, 0x18, 0x02, 'a', 'b', 0x13, 0xFE,
                              0x14, 0x0E, 0x00}));
  EXPECT_EQ(w.depth(), 0U);
}

TEST(ThriftCompact, LongFieldHeaderWhenDeltaExceeds15) {
  ByteBuffer out;
  CompactWriter w(out);
  w.begin_message();
  w.field_i32(1, 0);   // 0x15 0x00
  w.field_i32(20, 1);  // delta 19: type byte 0x05, then zigzag(20) = 40 = 0x28, value zigzag(1) = 2
  w.end_struct();
  EXPECT_EQ(bytes_of(out), (V{0x15, 0x00, 0x05, 0x28, 0x02, 0x00}));
}

TEST(ThriftCompact, NestedStructsRestartFieldIds) {
  ByteBuffer out;
  CompactWriter w(out);
  w.begin_message();
  w.field_i32(1, 1);  // 0x15 0x02
  w.field_struct(2);  // 0x1C
  w.field_i32(1, 2);  // inner delta from 0: 0x15 0x04
  w.end_struct();     // 0x00
  w.field_i32(3, 3);  // outer delta from 2: 0x15 0x06
  w.end_struct();
  EXPECT_EQ(bytes_of(out), (V{0x15, 0x02, 0x1C, 0x15, 0x04, 0x00, 0x15, 0x06, 0x00}));
}

TEST(ThriftCompact, ListHeadersShortAndLong) {
  ByteBuffer out;
  CompactWriter w(out);
  w.begin_message();
  w.field_list(1, CType::kI32, 3);  // 0x19, (3 << 4) | 5 = 0x35
  w.element_i32(1);
  w.element_i32(-1);
  w.element_i32(64);                    // zigzag 128 = 0x80 0x01
  w.field_list(2, CType::kBinary, 15);  // 0x19, 0xF8, varint 15
  for (int i = 0; i < 15; ++i) w.element_binary("");
  w.field_list(3, CType::kStruct, 1);  // 0x19, 0x1C
  w.element_struct();
  w.field_i32(1, 0);  // 0x15 0x00
  w.end_struct();     // 0x00
  w.end_struct();
  V expected{0x19, 0x35, 0x02, 0x01, 0x80, 0x01, 0x19, 0xF8, 0x0F};
  expected.insert(expected.end(), 15, 0x00);
  expected.insert(expected.end(), {0x19, 0x1C, 0x15, 0x00, 0x00, 0x00});
  EXPECT_EQ(bytes_of(out), expected);
}

}  // namespace
}  // namespace tdump::parquet::thrift
