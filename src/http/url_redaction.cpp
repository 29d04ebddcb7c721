#include "http/url_redaction.hpp"

namespace tdump::http {

namespace {

// Where the authority of `url` begins and where its userinfo ends (just past the '@'); `end` is
// npos when the URL has no userinfo.
struct UserinfoSpan {
  std::size_t authority_begin = 0;
  std::size_t end = std::string_view::npos;
};

UserinfoSpan find_userinfo(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto authority_begin = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_begin);
  const auto authority =
      url.substr(authority_begin,
                 authority_end == std::string_view::npos ? std::string_view::npos : authority_end - authority_begin);
  // The last '@' ends the userinfo: a password may itself contain an unescaped '@'.
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  return {authority_begin, authority_begin + at + 1};
}

}  // namespace

std::string strip_userinfo(std::string_view url) {
  const UserinfoSpan userinfo = find_userinfo(url);
  if (userinfo.end == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, userinfo.authority_begin));
  out.append(url.substr(userinfo.end));
  return out;
}

std::string redact_userinfo_in_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (auto scheme_end = text.find("://"); scheme_end != std::string_view::npos; scheme_end = text.find("://", from)) {
    const auto authority_begin = scheme_end + 3;
    // The authority ends where a path, query or fragment starts, or where the text moves on.
    auto authority_end = text.find_first_of("/?#\\ \t\r\n\"'<>", authority_begin);
    if (authority_end == std::string_view::npos) authority_end = text.size();
    const auto authority = text.substr(authority_begin, authority_end - authority_begin);
    out.append(text.substr(from, authority_begin - from));
    const auto at = authority.rfind('@');
    out.append(at == std::string_view::npos ? authority : authority.substr(at + 1));
    from = authority_end;
  }
  out.append(text.substr(from));
  return out;
}

std::string redact_url(std::string_view url) {
  std::string out = strip_userinfo(url);
  const auto query = out.find_first_of("?#");
  if (query != std::string::npos) out.resize(query);
  return out;
}

std::string take_display_url(Request& request) {
  if (request.display_url.empty()) return redact_url(request.url);
  const UserinfoSpan userinfo = find_userinfo(request.display_url);
  if (userinfo.end != std::string_view::npos)
    request.display_url.erase(userinfo.authority_begin, userinfo.end - userinfo.authority_begin);
  return std::move(request.display_url);
}

}  // namespace tdump::http
