#pragma once
// Redirects are never followed by the engine (a 3xx comes back as a Response with its
// `location` header): a store decides. This pure helper resolves a Location against the URL of
// the request that got it (RFC 3986 section 5.2) and says whether the target is the same
// origin (RFC 6454: scheme, host and port), so a store can refuse to send anything, let alone
// credentials, to another host. See docs/http.md "Redirects".
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tdump::http {

// Longest Location accepted (bytes); a longer one is an error, not a URL.
inline constexpr std::size_t kMaxLocationBytes = std::size_t{16} * 1024;

struct RedirectTarget {
  // Absolute URL to request next: userinfo and fragment removed (a server never chooses the
  // credentials we send), spaces and bytes >= 0x7F percent-encoded.
  std::string url;
  // "scheme://host[:port]", lower-cased, the scheme's default port left out. Safe to print:
  // never a path, a query or userinfo.
  std::string origin;
  // Scheme, host and port equal to the request's (compared case-insensitively, with default
  // ports normalised: http://h and http://H:80 are the same origin; https://h and http://h are not).
  bool same_origin = false;
};

// 301, 302, 303, 307 and 308: the statuses whose Location names where to go instead.
[[nodiscard]] bool is_redirect_status(int status) noexcept;

// Resolves `location` (absolute, scheme-relative "//host/p", absolute-path "/p", relative "p",
// or query-only "?q") against `request_url` (an absolute http(s) URL). kInvalidArgument when
// either cannot be parsed, the location is empty, too long, holds control characters, or
// names a scheme other than http/https. The error message never quotes the location.
[[nodiscard]] Result<RedirectTarget> resolve_redirect(std::string_view request_url, std::string_view location);

// The origin ("scheme://host[:port]", as in RedirectTarget) of an absolute http(s) URL, "" when
// it is not one.
[[nodiscard]] std::string origin_of(std::string_view url);

}  // namespace tdump::http
