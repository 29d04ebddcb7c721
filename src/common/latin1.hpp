#pragma once
// Bytes read as Latin-1 (ISO 8859-1), written as UTF-8: each byte is the code point of the same
// value, so every byte stays visible and the text is valid UTF-8 whatever it held.
#include <string>
#include <string_view>

namespace tdump {

// Appends `bytes`, read as Latin-1, to `out` as UTF-8 (one or two bytes each).
inline void append_latin1_as_utf8(std::string& out, std::string_view bytes) {
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += static_cast<char>(u);
    } else {
      out += static_cast<char>(0xC0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3F));
    }
  }
}

}  // namespace tdump
