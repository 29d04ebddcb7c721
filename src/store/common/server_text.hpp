#pragma once
// Text a server sent (error codes and messages from XML / JSON bodies, OAuth error
// descriptions, header values) is untrusted: it may be megabytes long, carry terminal escape
// sequences, or echo a credential the request carried. Every place that copies server text
// into an Error, a log line or an output row goes through server_text().
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/engine.hpp"

namespace tdump::store {

// Longest server message kept (bytes, before the truncation marker); codes get less.
inline constexpr std::size_t kServerTextMaxBytes = 512;
inline constexpr std::size_t kServerCodeMaxBytes = 128;

// The text made safe, in this order:
//  1. every occurrence of a secret is replaced by "[redacted]": each value in `secrets`, its
//     percent-decoded and percent-encoded forms, and, for an Authorization value ("Bearer T", "SharedKey a:S",
//     "AWS4-HMAC-SHA256 ..., Signature=S"), the credential part (T, S) alone. Values shorter
//     than 6 bytes are ignored (they would redact ordinary words).
//  2. control characters are escaped as \xHH per byte: C0 (including TAB, CR, LF, ESC), DEL,
//     and C1 (U+0080..U+009F); so is every byte that is not part of well-formed UTF-8.
//  3. the result is cut at `max_bytes` (never inside an escape or a UTF-8 sequence) and
//     " [... cut, N bytes in all]" is appended (N: the length of `text`).
[[nodiscard]] std::string server_text(std::string_view text, std::span<const std::string> secrets = {},
                                      std::size_t max_bytes = kServerTextMaxBytes);

// What a request carries that a server might echo back: the values of Authorization,
// Proxy-Authorization and x-amz-security-token, and of the query parameters that are
// credentials (SAS `sig`, presigned X-Amz-Signature / X-Amz-Security-Token, GCS
// X-Goog-Signature, `access_token`, `token`, `code`). Copied, so call it before the request
// is moved into the engine.
[[nodiscard]] std::vector<std::string> request_secrets(const http::Request& request);

// The credential values of a query string ("sv=...&sig=..."), raw as sent: for a store that
// keeps a SAS in its configuration.
[[nodiscard]] std::vector<std::string> query_secrets(std::string_view query);

// `url` with every query value longer than 64 bytes shortened to its first 16 bytes and
// "...(N bytes)": what a listing request shows in errors, so a server's 64 KiB continuation
// token does not become a 64 KiB message.
[[nodiscard]] std::string shorten_query_values(std::string_view url);

}  // namespace tdump::store
