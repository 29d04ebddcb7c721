// libFuzzer target: what the stores make of text a server wrote before it reaches an error, a
// log line or a row: server_text (store/common/server_text.hpp: secrets redacted, control
// characters and invalid UTF-8 escaped, length cut), shorten_query_values, and the key spellings
// of store/common/display_key.hpp (display_key, terminal_key). The input is
// "TEXT\0SECRET\0SECRET..."; the seeds are error messages, codes and keys from the real servers'
// answers (fuzz/make_seeds.py).
//
// Secrets are reduced to the letters G-Z (real ones are base64 / hex / JWT text): no escape
// ("\xHH", hex digits are A-F), redaction marker or cut marker contains one, so any occurrence in
// the output must have come through from the text, which redaction must have prevented.
#include <algorithm>
#include <vector>

#include "common/fuzz_support.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

namespace {

bool control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (control(c)) return true;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const auto parts = tdump::fuzz::split_nul(tdump::fuzz::as_text(data, size));
  const std::string_view text = parts[0];
  std::vector<std::string> secrets;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string secret;
    for (char c : parts[i]) {
      if (c >= 'G' && c <= 'Z') secret += c;
    }
    if (secret.size() >= 6) secrets.push_back(std::move(secret));
  }
  const std::size_t max_bytes = 16 + size % 600;
  const std::string safe = server_text(text, secrets, max_bytes);
  check(is_valid_utf8(safe) && !has_control(safe), "server text is not valid UTF-8 or carries control characters");
  for (const std::string& secret : secrets) {
    check(safe.find(secret) == std::string::npos, "server text shows a secret");
  }
  check(safe.size() <= max_bytes + 64, "server text is longer than its bound and the cut marker");
  if (is_valid_utf8(text) && !has_control(text) && text.size() <= max_bytes &&
      std::none_of(secrets.begin(), secrets.end(), [&](const std::string& s) { return text.find(s) != text.npos; })) {
    check(safe == text, "harmless server text was changed");
  }
  (void)shorten_query_values(text);

  const std::string shown = display_key(text);
  check(is_valid_utf8(shown), "a displayed key is not valid UTF-8");
  check(!is_valid_utf8(text) || shown == text, "a valid UTF-8 key was changed for display");
  std::string scratch;
  check(display_key(text, scratch) == shown, "the two display_key forms disagree");
  const std::string terminal = terminal_key(text);
  check(is_valid_utf8(terminal) && !has_control(terminal), "a key for the terminal carries control characters");
  return 0;
}
