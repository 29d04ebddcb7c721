#include "http/redirect.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/ascii.hpp"
#include "http/authority.hpp"

namespace tdump::http {
namespace {

// The five components of RFC 3986 section 3 ("defined" matters for the authority and query).
struct Reference {
  std::string scheme;  // lower-cased, "" when absent
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
};

bool is_scheme_char(char c, bool first) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalpha(u) != 0) return true;
  return !first && (std::isdigit(u) != 0 || c == '+' || c == '-' || c == '.');
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

// RFC 3986 appendix B, without the fragment (dropped before this is called).
Reference split(std::string_view text) {
  Reference ref;
  std::size_t i = 0;
  while (i < text.size() && is_scheme_char(text[i], i == 0)) ++i;
  if (i > 0 && i < text.size() && text[i] == ':') {
    ref.scheme = lower(text.substr(0, i));
    text.remove_prefix(i + 1);
  }
  if (text.starts_with("//")) {
    text.remove_prefix(2);
    const auto end = text.find_first_of("/?");
    ref.authority = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end);
  }
  const auto q = text.find('?');
  ref.path = text.substr(0, q);
  if (q != std::string_view::npos) ref.query = text.substr(q + 1);
  return ref;
}

// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.starts_with("../")) {
      input.remove_prefix(3);
    } else if (input.starts_with("./") || input.starts_with("/./")) {
      input.remove_prefix(2);  // "./x" -> "x", "/./x" -> "/x"
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../") || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      const auto slash = output.rfind('/');
      output.resize(slash == std::string::npos ? 0 : slash);
    } else if (input == "." || input == "..") {
      input = {};
    } else {
      const auto next = input.find('/', input.front() == '/' ? 1 : 0);
      output.append(input.substr(0, next));
      input = next == std::string_view::npos ? std::string_view{} : input.substr(next);
    }
  }
  return output;
}

struct Authority {
  std::string host;  // lower-cased; IPv6 literals keep their brackets
  std::optional<std::uint16_t> port;
  bool valid = false;
};

Authority parse_authority(std::string_view authority) {
  Authority out;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  const auto split = split_authority(authority);
  if (!split) return out;
  out.host = lower(split->host);
  out.port = split->port;
  out.valid = true;
  return out;
}

std::uint16_t default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

void append_encoded(std::string& out, std::string_view text);

std::string make_origin(const std::string& scheme, const Authority& authority) {
  std::string out = scheme + "://";
  append_encoded(out, authority.host);
  if (authority.port && *authority.port != default_port(scheme)) out += ":" + std::to_string(*authority.port);
  return out;
}

bool same(const std::string& scheme_a, const Authority& a, const std::string& scheme_b, const Authority& b) {
  return scheme_a == scheme_b && a.host == b.host &&
         a.port.value_or(default_port(scheme_a)) == b.port.value_or(default_port(scheme_b));
}

// The authority without userinfo, as written (host case kept: the URL is sent, not compared).
std::string_view without_userinfo(std::string_view authority) {
  const auto at = authority.rfind('@');
  return at == std::string_view::npos ? authority : authority.substr(at + 1);
}

// Spaces and bytes >= 0x7F as %XX, the rest as is: what a server may put in a Location and
// libcurl would not accept raw.
void append_encoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u >= 0x7F) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
}

Error invalid(std::string_view why) {
  return make_error(ErrorCode::kInvalidArgument, "unusable redirect Location (" + std::string(why) + ")");
}

}  // namespace

bool is_redirect_status(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string origin_of(std::string_view url) {
  const Reference ref = split(url.substr(0, url.find('#')));
  if ((ref.scheme != "http" && ref.scheme != "https") || !ref.authority) return {};
  const Authority authority = parse_authority(*ref.authority);
  if (!authority.valid) return {};
  return make_origin(ref.scheme, authority);
}

Result<RedirectTarget> resolve_redirect(std::string_view request_url, std::string_view location) {
  while (!location.empty() && (location.front() == ' ' || location.front() == '\t')) location.remove_prefix(1);
  while (!location.empty() && (location.back() == ' ' || location.back() == '\t')) location.remove_suffix(1);
  if (location.empty()) return invalid("empty");
  if (location.size() > kMaxLocationBytes) {
    return invalid("longer than " + std::to_string(kMaxLocationBytes) + " bytes");
  }
  if (std::any_of(location.begin(), location.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; })) {
    return invalid("control characters");
  }
  const Reference base = split(request_url.substr(0, request_url.find('#')));
  if ((base.scheme != "http" && base.scheme != "https") || !base.authority) {
    return make_error(ErrorCode::kInvalidArgument, "a redirect can only be resolved against an http(s) URL");
  }
  const Authority base_authority = parse_authority(*base.authority);
  if (!base_authority.valid) return make_error(ErrorCode::kInvalidArgument, "the request URL has no usable host");

  const Reference ref = split(location.substr(0, location.find('#')));
  // RFC 3986 section 5.2.2.
  std::string scheme;
  std::string_view authority;
  std::string path;
  std::optional<std::string_view> query;
  if (!ref.scheme.empty()) {
    if (!ref.authority) return invalid("an absolute URL without a host");
    scheme = ref.scheme;
    authority = *ref.authority;
    path = remove_dot_segments(ref.path);
    query = ref.query;
  } else {
    scheme = base.scheme;
    if (ref.authority) {
      authority = *ref.authority;
      path = remove_dot_segments(ref.path);
      query = ref.query;
    } else {
      authority = *base.authority;
      if (ref.path.empty()) {
        path = std::string(base.path);
        query = ref.query ? ref.query : base.query;
      } else {
        if (ref.path.front() == '/') {
          path = remove_dot_segments(ref.path);
        } else {  // section 5.2.3: merge with the base path
          std::string merged;
          if (base.path.empty()) {
            merged = "/";
          } else {
            merged = std::string(base.path.substr(0, base.path.rfind('/') + 1));
          }
          merged.append(ref.path);
          path = remove_dot_segments(merged);
        }
        query = ref.query;
      }
    }
  }
  if (scheme != "http" && scheme != "https") return invalid("not an http or https URL");
  const Authority target_authority = parse_authority(authority);
  if (!target_authority.valid) return invalid("no usable host");

  RedirectTarget target;
  target.origin = make_origin(scheme, target_authority);
  target.same_origin = same(scheme, target_authority, base.scheme, base_authority);
  target.url = scheme + "://";
  append_encoded(target.url, without_userinfo(authority));
  append_encoded(target.url, path.empty() ? std::string_view("/") : std::string_view(path));
  if (query) {
    target.url += '?';
    append_encoded(target.url, *query);
  }
  return target;
}

}  // namespace tdump::http
