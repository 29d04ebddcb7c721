#include "store/common/display_key.hpp"

#include <cstdint>

namespace tdump::store {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// Length (2..4) of the well-formed multi-byte sequence at text[i], or 0 when the bytes there
// are not one (Unicode table 3-7).
std::size_t sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = byte(0);
  std::size_t length = 0;
  std::uint8_t low = 0x80;  // bounds of the second byte: no overlongs, no surrogates, <= U+10FFFF
  std::uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

void append_escaped(std::string& out, std::uint8_t byte) {
  out += '%';
  out += kHex[byte >> 4];
  out += kHex[byte & 15];
}

// Appends `key` by the rule; with `controls`, C0, DEL and C1 characters are escaped as well.
void append_key(std::string& out, std::string_view key, bool controls) {
  std::size_t i = 0;
  while (i < key.size()) {
    const auto byte = static_cast<std::uint8_t>(key[i]);
    if (byte < 0x80) {
      if (controls && (byte < 0x20 || byte == 0x7F)) {
        append_escaped(out, byte);
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    const std::size_t length = sequence_length(key, i);
    if (length == 0) {
      append_escaped(out, byte);
      ++i;
      continue;
    }
    // U+0080..U+009F are C2 80..C2 9F.
    const bool c1 = length == 2 && byte == 0xC2 && static_cast<std::uint8_t>(key[i + 1]) <= 0x9F;
    if (controls && c1) {
      append_escaped(out, byte);
      append_escaped(out, static_cast<std::uint8_t>(key[i + 1]));
    } else {
      out.append(key.substr(i, length));
    }
    i += length;
  }
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<std::uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string display_key(std::string_view key) {
  if (is_valid_utf8(key)) return std::string(key);
  std::string out;
  out.reserve(key.size() + 16);
  append_key(out, key, false);
  return out;
}

std::string_view display_key(std::string_view key, std::string& scratch) {
  if (is_valid_utf8(key)) return key;
  scratch.clear();
  scratch.reserve(key.size() + 16);
  append_key(scratch, key, false);
  return scratch;
}

std::string terminal_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  append_key(out, key, true);
  return out;
}

}  // namespace tdump::store
