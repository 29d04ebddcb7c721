#include "tiff/values.hpp"

#include <limits>

namespace tdump::tiff {

std::int64_t int_at(const Entry& e, ByteOrder order, std::size_t i) noexcept {
  std::uint64_t bits = uint_at(e, order, i);
  switch (e.type) {
    case FieldType::kSByte:
      return static_cast<std::int8_t>(bits);
    case FieldType::kSShort:
      return static_cast<std::int16_t>(bits);
    case FieldType::kSLong:
      return static_cast<std::int32_t>(bits);
    default:
      return static_cast<std::int64_t>(bits);
  }
}

double number_at(const Entry& e, ByteOrder order, std::size_t i) noexcept {
  const std::uint8_t* p = e.data + i * field_type_size(e.type);
  switch (e.type) {
    case FieldType::kFloat:
      return static_cast<double>(load_f32(p, order));
    case FieldType::kDouble:
      return load_f64(p, order);
    case FieldType::kRational: {
      std::uint32_t num = load_u32(p, order);
      std::uint32_t den = load_u32(p + 4, order);
      return den == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(num) / den;
    }
    case FieldType::kSRational: {
      auto num = static_cast<std::int32_t>(load_u32(p, order));
      auto den = static_cast<std::int32_t>(load_u32(p + 4, order));
      return den == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(num) / den;
    }
    case FieldType::kAscii:
      return std::numeric_limits<double>::quiet_NaN();
    default:
      return is_signed_type(e.type) ? static_cast<double>(int_at(e, order, i))
                                    : static_cast<double>(uint_at(e, order, i));
  }
}

std::string_view text_of(const Entry& e) noexcept {
  if (!e.loaded || e.data == nullptr) return {};
  std::string_view s(reinterpret_cast<const char*>(e.data), static_cast<std::size_t>(e.count));
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> find_uint(const TiffHeader& h, const Ifd& ifd, std::uint16_t tag) noexcept {
  const Entry* e = h.find(ifd, tag);
  if (e == nullptr || !e->loaded || e->count == 0 || !is_integer_type(e->type)) return std::nullopt;
  return uint_at(*e, h.byte_order, 0);
}

std::optional<double> find_number(const TiffHeader& h, const Ifd& ifd, std::uint16_t tag) noexcept {
  const Entry* e = h.find(ifd, tag);
  if (e == nullptr || !e->loaded || e->count == 0 || !is_numeric_type(e->type)) return std::nullopt;
  return number_at(*e, h.byte_order, 0);
}

std::optional<std::string_view> find_text(const TiffHeader& h, const Ifd& ifd, std::uint16_t tag) noexcept {
  const Entry* e = h.find(ifd, tag);
  if (e == nullptr || !e->loaded || e->type != FieldType::kAscii) return std::nullopt;
  return text_of(*e);
}

}  // namespace tdump::tiff
