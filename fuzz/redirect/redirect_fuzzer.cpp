// libFuzzer target: Location headers (http/redirect.hpp resolve_redirect, origin_of; RFC 3986
// section 5.2 reference resolution, RFC 6454 origins), resolved against the URLs of an S3
// virtual-hosted request and of a path-style request to a local server. The input is a Location
// value; the seeds are nginx's redirects and the reference examples of RFC 3986 section 5.4
// (fuzz/make_seeds.py). A resolved target is an absolute http(s) URL without userinfo, fragment,
// blanks, control characters or non-ASCII bytes, and same_origin is only claimed for a target
// whose origin is the request's.
#include <algorithm>

#include "common/fuzz_support.hpp"
#include "http/redirect.hpp"

using tdump::fuzz::check;

namespace {

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view location = tdump::fuzz::as_text(data, size);
  for (const std::string_view request :
       {"https://bkt.s3.us-east-1.amazonaws.com/a/b/c.tif?x-id=GetObject", "http://127.0.0.1:9000/data/dir/"}) {
    auto target = tdump::http::resolve_redirect(request, location);
    if (!target) {
      check(target.error().code == tdump::ErrorCode::kInvalidArgument, "a bad Location is not kInvalidArgument");
      continue;
    }
    const std::string& url = target->url;
    check(url.starts_with("http://") || url.starts_with("https://"), "a redirect target is not http(s)");
    check(std::none_of(
              url.begin(), url.end(),
              [](char c) { return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f; }),
          "a redirect target carries blanks, control characters or raw non-ASCII bytes");
    check(url.find('#') == std::string::npos, "a redirect target keeps its fragment");
    // Hosts are compared without case, and so are the hex digits of percent-escapes (RFC 3986
    // section 6.2.2.1): origin_of lower-cases "%D2" where the target spells it upper-case.
    const std::string origin = tdump::http::origin_of(url);
    check(!origin.empty() && lower(origin) == lower(target->origin),
          "the target's origin is not the origin of its URL");
    const std::size_t host_at = url.find("://") + 3;
    const std::size_t host_end = std::min(url.find_first_of("/?", host_at), url.size());
    check(url.substr(host_at, host_end - host_at).find('@') == std::string::npos, "a redirect target keeps userinfo");
    check(origin.find_first_of("/?@", origin.find("://") + 3) == std::string::npos,
          "an origin holds more than scheme, host and port");
    check(!target->same_origin || lower(origin) == lower(tdump::http::origin_of(request)),
          "same_origin for a target on another origin");
  }
  return 0;
}
