#pragma once
// The TIFF 6.0 / BigTIFF field types (1..18; 14 and 15 are unassigned) and their sizes.
#include <cstdint>
#include <string_view>

namespace tdump::tiff {

enum class FieldType : std::uint16_t {
  kByte = 1,
  kAscii = 2,
  kShort = 3,
  kLong = 4,
  kRational = 5,
  kSByte = 6,
  kUndefined = 7,
  kSShort = 8,
  kSLong = 9,
  kSRational = 10,
  kFloat = 11,
  kDouble = 12,
  kIfd = 13,
  kLong8 = 16,
  kSLong8 = 17,
  kIfd8 = 18,
};

// Bytes per value; 0 for a code that is not a field type (the entry is then malformed).
[[nodiscard]] constexpr std::uint32_t field_type_size(std::uint16_t code) noexcept {
  switch (code) {
    case 1:
    case 2:
    case 6:
    case 7:
      return 1;
    case 3:
    case 8:
      return 2;
    case 4:
    case 9:
    case 11:
    case 13:
      return 4;
    case 5:
    case 10:
    case 12:
    case 16:
    case 17:
    case 18:
      return 8;
    default:
      return 0;
  }
}
[[nodiscard]] constexpr std::uint32_t field_type_size(FieldType type) noexcept {
  return field_type_size(static_cast<std::uint16_t>(type));
}

[[nodiscard]] constexpr bool is_integer_type(FieldType type) noexcept {
  switch (type) {
    case FieldType::kByte:
    case FieldType::kShort:
    case FieldType::kLong:
    case FieldType::kSByte:
    case FieldType::kSShort:
    case FieldType::kSLong:
    case FieldType::kIfd:
    case FieldType::kLong8:
    case FieldType::kSLong8:
    case FieldType::kIfd8:
    case FieldType::kUndefined:
      return true;
    default:
      return false;
  }
}
[[nodiscard]] constexpr bool is_signed_type(FieldType type) noexcept {
  return type == FieldType::kSByte || type == FieldType::kSShort || type == FieldType::kSLong ||
         type == FieldType::kSLong8 || type == FieldType::kSRational;
}
[[nodiscard]] constexpr bool is_numeric_type(FieldType type) noexcept {
  return type != FieldType::kAscii && type != FieldType::kUndefined;
}

// The spec's upper-case name ("SHORT", "IFD8"), as tiffdump prints it.
[[nodiscard]] std::string_view field_type_name(FieldType type) noexcept;

}  // namespace tdump::tiff
