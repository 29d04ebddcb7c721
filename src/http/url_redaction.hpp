#pragma once
// What the engine may show of a URL: never userinfo, and no query (SAS tokens, presigned
// signatures) unless the caller chose to show one through Request::display_url.
#include <string>
#include <string_view>

#include "http/engine.hpp"

namespace tdump::http {

// Removes "user:password@" from the authority.
[[nodiscard]] std::string strip_userinfo(std::string_view url);

// Removes "user:password@" from every URL in a text (after each "://", up to the end of the
// authority): for messages that quote a URL a user typed.
[[nodiscard]] std::string redact_userinfo_in_text(std::string_view text);

// Removes userinfo, the query and the fragment.
[[nodiscard]] std::string redact_url(std::string_view url);

// The URL errors and logs show for a request: its display_url without userinfo when set
// (moved out of the request, which keeps an empty or unspecified display_url: one copy less a
// request), otherwise redact_url(url).
[[nodiscard]] std::string take_display_url(Request& request);

}  // namespace tdump::http
