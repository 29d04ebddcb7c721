#include "parquet/thrift_compact.hpp"

#include <cassert>

namespace tdump::parquet::thrift {

namespace {
std::uint8_t code(CType t) {
  return static_cast<std::uint8_t>(t);
}
}  // namespace

void CompactWriter::zigzag32(std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  out_.put_uvarint((u << 1) ^ static_cast<std::uint32_t>(v >> 31));
}

void CompactWriter::zigzag64(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  out_.put_uvarint((u << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

void CompactWriter::field_header(std::int16_t id, CType type) {
  assert(!last_ids_.empty());
  std::int16_t& last = last_ids_.back();
  const int delta = id - last;
  if (delta > 0 && delta <= 15) {
    out_.put_byte(static_cast<std::uint8_t>((delta << 4) | code(type)));
  } else {
    // Long form: the type byte, then the field id as a zigzag varint i16.
    out_.put_byte(code(type));
    zigzag32(id);
  }
  last = id;
}

void CompactWriter::field_i32(std::int16_t id, std::int32_t v) {
  field_header(id, CType::kI32);
  zigzag32(v);
}

void CompactWriter::field_i64(std::int16_t id, std::int64_t v) {
  field_header(id, CType::kI64);
  zigzag64(v);
}

void CompactWriter::field_i8(std::int16_t id, std::int8_t v) {
  field_header(id, CType::kByte);
  out_.put_byte(static_cast<std::uint8_t>(v));
}

void CompactWriter::field_i16(std::int16_t id, std::int16_t v) {
  field_header(id, CType::kI16);
  zigzag32(v);
}

void CompactWriter::field_bool(std::int16_t id, bool v) {
  // Compact protocol folds a bool field's value into the header's type nibble.
  field_header(id, v ? CType::kBoolTrue : CType::kBoolFalse);
}

void CompactWriter::field_binary(std::int16_t id, std::string_view v) {
  field_header(id, CType::kBinary);
  element_binary(v);
}

void CompactWriter::field_struct(std::int16_t id) {
  field_header(id, CType::kStruct);
  last_ids_.push_back(0);
}

void CompactWriter::field_list(std::int16_t id, CType element_type, std::uint32_t size) {
  field_header(id, CType::kList);
  if (size < 15) {
    out_.put_byte(static_cast<std::uint8_t>((size << 4) | code(element_type)));
  } else {
    out_.put_byte(static_cast<std::uint8_t>(0xF0 | code(element_type)));
    out_.put_uvarint(size);
  }
}

void CompactWriter::element_i32(std::int32_t v) {
  zigzag32(v);
}

void CompactWriter::element_binary(std::string_view v) {
  out_.put_uvarint(v.size());
  out_.put_bytes(v);
}

void CompactWriter::element_struct() {
  last_ids_.push_back(0);
}

void CompactWriter::end_struct() {
  assert(!last_ids_.empty());
  out_.put_byte(0);  // stop field
  last_ids_.pop_back();
}

}  // namespace tdump::parquet::thrift
