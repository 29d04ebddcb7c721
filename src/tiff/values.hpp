#pragma once
// Typed reads of entry values (interpretation layer: no parsing here). All reads go through the
// byte order of the file; none allocates.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tiff/byte_order.hpp"
#include "tiff/field_type.hpp"
#include "tiff/header.hpp"

namespace tdump::tiff {

// Element i as an unsigned integer. Integer types only (UNDEFINED reads as bytes); signed
// types give their two's-complement bits; other types give 0. Precondition: e.loaded, i < count.
// Inline: the row, the checks and ImageInfo read ~100 values a header.
[[nodiscard]] inline std::uint64_t uint_at(const Entry& e, ByteOrder order, std::size_t i) noexcept {
  const std::uint8_t* p = e.data + i * field_type_size(e.type);
  switch (e.type) {
    case FieldType::kByte:
    case FieldType::kSByte:
    case FieldType::kUndefined:
      return p[0];
    case FieldType::kShort:
    case FieldType::kSShort:
      return load_u16(p, order);
    case FieldType::kLong:
    case FieldType::kSLong:
    case FieldType::kIfd:
      return load_u32(p, order);
    case FieldType::kLong8:
    case FieldType::kSLong8:
    case FieldType::kIfd8:
      return load_u64(p, order);
    default:
      return 0;
  }
}

// Element i as a signed integer (signed types sign-extended).
[[nodiscard]] std::int64_t int_at(const Entry& e, ByteOrder order, std::size_t i) noexcept;
// Element i as a double, for every numeric type; (S)RATIONAL is numerator/denominator
// (NaN when the denominator is 0).
[[nodiscard]] double number_at(const Entry& e, ByteOrder order, std::size_t i) noexcept;
// An ASCII value without its trailing NULs (may contain interior NULs between strings).
[[nodiscard]] std::string_view text_of(const Entry& e) noexcept;

// First value of `tag` in `ifd`, when present, loaded and of a fitting type.
[[nodiscard]] std::optional<std::uint64_t> find_uint(const TiffHeader& h, const Ifd& ifd, std::uint16_t tag) noexcept;
[[nodiscard]] std::optional<double> find_number(const TiffHeader& h, const Ifd& ifd, std::uint16_t tag) noexcept;
[[nodiscard]] std::optional<std::string_view> find_text(const TiffHeader& h, const Ifd& ifd,
                                                        std::uint16_t tag) noexcept;

}  // namespace tdump::tiff
