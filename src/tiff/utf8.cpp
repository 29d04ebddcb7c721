#include "tiff/utf8.hpp"

namespace tdump::tiff {

std::size_t utf8_sequence_length(const std::uint8_t* p, std::size_t remaining) noexcept {
  if (remaining == 0) return 0;
  std::uint8_t lead = p[0];
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80;  // bounds of the second byte, narrowed to exclude overlongs/surrogates
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
  if (remaining < length) return 0;
  if (p[1] < low || p[1] > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return length;
}

bool is_valid_utf8(std::span<const std::uint8_t> bytes) noexcept {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    if (bytes[i] < 0x80) {  // the common case: plain ASCII
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence_length(bytes.data() + i, n - i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace tdump::tiff
