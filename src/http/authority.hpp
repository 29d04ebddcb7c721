#pragma once
// The authority of an http(s) URL split into host and port (RFC 3986 section 3.2), without
// allocating: shared by redirect resolution (http/redirect.hpp) and the plain HTTP/1.1 path
// (http/plain_http.hpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace tdump::http {

struct AuthorityView {
  std::string_view host;              // as written; an IPv6 literal keeps its brackets
  std::optional<std::uint16_t> port;  // none when absent or empty ("host:")
};

// host[:port] or [v6][:port], userinfo already removed. nullopt for an unclosed '[', anything
// after ']' but ":port", an empty host, or a port that is not a decimal number up to 65535
// (leading zeros allowed).
[[nodiscard]] std::optional<AuthorityView> split_authority(std::string_view authority) noexcept;

}  // namespace tdump::http
