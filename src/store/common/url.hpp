#pragma once
// URL pieces the stores need: split a URL, percent-encode for paths and queries the way
// SigV4 / Azure / GCS expect, decode hrefs and encoded list keys.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace tdump::store {

struct ParsedUrl {
  std::string scheme;    // lower-cased, without "://"
  std::string userinfo;  // before '@' in the authority (kept raw; never printed)
  std::string host;      // lower-cased
  std::optional<std::uint16_t> port;
  std::string path;   // raw (still percent-encoded), "" or starting with '/'
  std::string query;  // raw, without '?'
};

// Splits scheme://[userinfo@]host[:port][/path][?query][#fragment]. Errors name the URL part.
Result<ParsedUrl> parse_url(std::string_view url);

// "host" or "host:port" as a client sends it in the Host header (default ports omitted).
std::string host_header(const ParsedUrl& url);
// scheme://host[:port] without path.
std::string origin(const ParsedUrl& url);

// RFC 3986 unreserved characters stay, everything else becomes %XX (upper-case hex).
// `keep_slash` keeps '/' (object keys in paths); queries encode it.
void percent_encode_append(std::string& out, std::string_view text, bool keep_slash);
std::string percent_encode(std::string_view text, bool keep_slash);
// Decodes %XX (invalid escapes are kept as is); with `plus_as_space`, '+' becomes ' '.
std::string percent_decode(std::string_view text, bool plus_as_space = false);

// A query string built from pairs, each name and value percent-encoded, sorted by name then
// value: the canonical form SigV4 signs, and the one we send so both always agree.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> params);

// Splits "a=1&b=2" into decoded pairs (for Azure's canonicalized resource and SAS handling).
std::vector<std::pair<std::string, std::string>> split_query(std::string_view query);

// "a/b/" for a non-empty path without the slashes at its ends, "" for an empty one: the
// prefix a store URL's path part adds in front of every key.
std::string root_prefix_from_path(std::string_view path);

// Lower-case ASCII copy.
std::string ascii_lower(std::string_view text);

}  // namespace tdump::store
