#include "schema/value_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "tiff/utf8.hpp"
#include "tiff/values.hpp"

namespace tdump::schema {

using tiff::ByteOrder;
using tiff::Entry;
using tiff::FieldType;
using tiff::GeoKey;
using tiff::GeoKeySet;
using tiff::GeoValueKind;

namespace {

using tiff::int_at;
using tiff::is_signed_type;
using tiff::load_f32;
using tiff::number_at;
using tiff::text_of;
using tiff::uint_at;
using tiff::utf8_sequence_length;

template <typename T>
void append_number(std::string& out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) {
      out += "null";
      return;
    }
  }
  std::array<char, 64> buffer{};
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if constexpr (std::is_floating_point_v<T>) {
    // Shortest form, but plain digits for everyday magnitudes: 500000 rather than 5e+05.
    const T magnitude = std::abs(value);
    if (std::find(buffer.data(), result.ptr, 'e') != result.ptr && magnitude >= T(1e-4) && magnitude < T(1e15)) {
      result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
    }
  }
  out.append(buffer.data(), result.ptr);
}

void append_element(std::string& out, const Entry& e, ByteOrder order, std::size_t i) {
  switch (e.type) {
    case FieldType::kFloat:
      append_number(out, load_f32(e.data + 4 * i, order));
      break;
    case FieldType::kDouble:
    case FieldType::kRational:
    case FieldType::kSRational:
      append_number(out, number_at(e, order, i));
      break;
    default:
      if (is_signed_type(e.type)) {
        append_number(out, int_at(e, order, i));
      } else {
        append_number(out, uint_at(e, order, i));
      }
  }
}

void append_ascii(std::string& out, std::string_view text) {
  if (text.find('\0') == std::string_view::npos) {
    append_json_string(out, text);
    return;
  }
  out += '[';
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find('\0', start);
    append_json_string(out, text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    out += ',';
    start = end + 1;
  }
  out += ']';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape_byte = [&](unsigned char c) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  out += '"';
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      std::size_t length = utf8_sequence_length(p + i, text.size() - i);
      if (length == 0) {
        escape_byte(c);
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          escape_byte(c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_base64(std::string& out, std::span<const std::uint8_t> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t v = std::uint32_t{bytes[i]} << 16;
  if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
  out += '=';
}

void append_value_json(std::string& out, const Entry& e, ByteOrder order) {
  if (!e.loaded) {
    out += "null";
    return;
  }
  if (e.type == FieldType::kAscii) {
    append_ascii(out, text_of(e));
    return;
  }
  if (e.type == FieldType::kUndefined) {
    out += '"';
    append_base64(out, e.bytes());
    out += '"';
    return;
  }
  if (e.count == 1) {
    append_element(out, e, order, 0);
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < e.count; ++i) {
    if (i > 0) out += ',';
    append_element(out, e, order, i);
  }
  out += ']';
}

void append_geokey_json(std::string& out, const GeoKeySet& keys, const GeoKey& key) {
  auto append_list = [&](auto values) {
    if (values.size() == 1) {
      append_number(out, values[0]);
      return;
    }
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      append_number(out, values[i]);
    }
    out += ']';
  };
  switch (key.kind) {
    case GeoValueKind::kAscii:
      append_json_string(out, key.text);
      break;
    case GeoValueKind::kDouble:
      append_list(keys.doubles_of(key));
      break;
    case GeoValueKind::kShort:
    case GeoValueKind::kUnknown:
      append_list(keys.shorts_of(key));
      break;
  }
}

}  // namespace tdump::schema
