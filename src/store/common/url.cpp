#include "store/common/url.hpp"

#include <algorithm>
#include <charconv>

namespace tdump::store {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<ParsedUrl> parse_url(std::string_view url) {
  ParsedUrl out;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + std::string(url) + "' is not a URL (expected scheme://host/path)");
  }
  out.scheme = ascii_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    out.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument, "URL host has an unclosed '[': " + std::string(url));
    }
    host = authority.substr(0, close + 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') {
      return make_error(ErrorCode::kInvalidArgument, "URL has junk after the IPv6 host: " + std::string(url));
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority = authority.substr(colon);
  } else {
    authority = {};
  }
  if (!authority.empty()) {  // ":port"
    auto digits = authority.substr(1);
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size() || value > 65535) {
      return make_error(ErrorCode::kInvalidArgument,
                        "URL port '" + std::string(digits) + "' is not a number from 0 to 65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  out.host = ascii_lower(host);
  auto query_start = rest.find('?');
  out.path = std::string(rest.substr(0, query_start));
  if (query_start != std::string_view::npos) out.query = std::string(rest.substr(query_start + 1));
  return out;
}

std::string host_header(const ParsedUrl& url) {
  if (!url.port) return url.host;
  bool default_port = (url.scheme == "http" && *url.port == 80) || (url.scheme == "https" && *url.port == 443);
  return default_port ? url.host : url.host + ":" + std::to_string(*url.port);
}

std::string origin(const ParsedUrl& url) {
  return url.scheme + "://" + host_header(url);
}

void percent_encode_append(std::string& out, std::string_view text, bool keep_slash) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  percent_encode_append(out, text, keep_slash);
  return out;
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [name, value] : params) {
    name = percent_encode(name, false);
    value = percent_encode(value, false);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> split_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string name = percent_decode(part.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string{} : percent_decode(part.substr(eq + 1), true);
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

std::string root_prefix_from_path(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return {};
  return std::string(path) + "/";
}

}  // namespace tdump::store
