#pragma once
// How a key that is not valid UTF-8 is shown in a row (`path`, `url`), a log line or a message.
#include <string>
#include <string_view>

namespace tdump::dump {

// `key` itself when it is valid UTF-8; otherwise every byte that is not part of a well-formed
// UTF-8 sequence becomes "%XX" (upper-case hex) and the valid sequences are kept as they are.
// So "c\xFF.tif" shows as "c%FF.tif" while "c\xC3\xBF.tif" stays "cÿ.tif": two objects, two names.
//
// NOTE: this must give exactly the same text as src/store/common's display_key (the `net`
// branch adds that one for `ls` and `inspect`); one rule for every place a key is shown. The
// copy here exists only until both branches are merged.
[[nodiscard]] std::string display_key(std::string_view key);

// True when `text` is valid UTF-8 (NUL allowed).
[[nodiscard]] bool is_utf8(std::string_view text) noexcept;

}  // namespace tdump::dump
