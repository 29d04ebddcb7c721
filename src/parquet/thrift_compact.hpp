#pragma once
// A write-only encoder for Thrift's compact protocol: just what the Parquet footer and page
// headers need (structs, i32/i64/i8, bool, binary, lists). Written from the Thrift compact
// protocol specification; callers emit fields in increasing id order, as Thrift requires
// for the short delta form.
#include <cstdint>
#include <string_view>
#include <vector>

#include "parquet/byte_buffer.hpp"

namespace tdump::parquet::thrift {

// Compact protocol type codes (the low nibble of a field header).
enum class CType : std::uint8_t {
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactWriter {
 public:
  explicit CompactWriter(ByteBuffer& out) : out_(out) {}

  // Fields of the current struct.
  void field_i32(std::int16_t id, std::int32_t v);
  void field_i64(std::int16_t id, std::int64_t v);
  void field_i8(std::int16_t id, std::int8_t v);
  void field_i16(std::int16_t id, std::int16_t v);
  void field_bool(std::int16_t id, bool v);
  void field_binary(std::int16_t id, std::string_view v);
  // Opens a nested struct field; close it with end_struct().
  void field_struct(std::int16_t id);
  // Opens a list field; then write `size` elements with the element writers below.
  void field_list(std::int16_t id, CType element_type, std::uint32_t size);

  // List elements.
  void element_i32(std::int32_t v);
  void element_binary(std::string_view v);
  // Opens a struct element of a list; close it with end_struct().
  void element_struct();

  // Closes the innermost struct (writes the stop byte and restores the outer field id).
  void end_struct();

  // Depth of open structs; 0 once a top-level struct's end_struct() has been called.
  [[nodiscard]] std::size_t depth() const noexcept { return last_ids_.size(); }

  // Opens the top-level struct of a message (no field header).
  void begin_message() { last_ids_.push_back(0); }

 private:
  void field_header(std::int16_t id, CType type);
  void zigzag32(std::int32_t v);
  void zigzag64(std::int64_t v);

  ByteBuffer& out_;
  std::vector<std::int16_t> last_ids_;  // one entry per open struct: the last field id written in it
};

}  // namespace tdump::parquet::thrift
