#include "dump/display_key.hpp"

#include <cstdint>
#include <span>

#include "tiff/utf8.hpp"

namespace tdump::dump {

bool is_utf8(std::string_view text) noexcept {
  return tiff::is_valid_utf8(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string display_key(std::string_view key) {
  if (is_utf8(key)) return std::string(key);
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(key.data());
  std::string out;
  out.reserve(key.size() + 16);
  for (std::size_t i = 0; i < key.size();) {
    const std::size_t n = tiff::utf8_sequence_length(bytes + i, key.size() - i);
    if (n > 0) {
      out.append(key.substr(i, n));
      i += n;
      continue;
    }
    out.push_back('%');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
    ++i;
  }
  return out;
}

}  // namespace tdump::dump
