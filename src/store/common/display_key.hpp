#pragma once
// One spelling of object keys as text, for every output that must be valid UTF-8 (Parquet
// rows, `ls`, `inspect`, JSON): keys are bytes, and a listing may hand us any bytes.
//
// The rule: a key that is valid UTF-8 is shown as it is; each byte that does not belong to a
// well-formed UTF-8 sequence (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing
// past U+10FFFF) is written as %XX with upper-case hex. So `c\xFF.tif` is "c%FF.tif" while
// `c\xC3\xBF.tif` is "cÿ.tif": two keys, two spellings. (A valid key that itself contains
// "%FF" reads the same as the byte 0xFF: the one case the rule cannot tell apart, and the
// reason it is "lossless as possible" rather than lossless; escaping every '%' would instead
// change every key that has one.)
#include <string>
#include <string_view>

namespace tdump::store {

// True when `text` is well-formed UTF-8.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

// The key as valid UTF-8 by the rule above.
[[nodiscard]] std::string display_key(std::string_view key);

// The same without a copy for the common case: `key` itself when it is valid UTF-8, else the
// escaped spelling written into `scratch` (and a view of it). For hot paths (the row encoder).
[[nodiscard]] std::string_view display_key(std::string_view key, std::string& scratch);

// display_key for a line on a terminal (`ls` without --json): control characters too (C0
// including TAB, CR, LF and ESC; DEL; C1 U+0080..U+009F) are written as %XX of their bytes, so
// a key can neither move the cursor nor split the line.
[[nodiscard]] std::string terminal_key(std::string_view key);

}  // namespace tdump::store
