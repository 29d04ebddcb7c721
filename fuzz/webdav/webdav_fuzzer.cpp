// libFuzzer target: WebDAV PROPFIND answers (207 multistatus, RFC 4918): parse_multistatus
// (store/http/webdav.hpp) for the root and for the folder the seeds were listed from. The input
// is a response body; the seeds are nginx dav-ext answers to PROPFIND Depth: 1
// (fuzz/make_seeds.py).
#include "common/fuzz_support.hpp"
#include "store/http/webdav.hpp"

using tdump::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view body = tdump::fuzz::as_text(data, size);
  for (const std::string_view dir : {"/", "/data/", "/data/a b/", "/data/sub/"}) {
    auto entries = tdump::store::parse_multistatus(body, dir);
    if (!entries) {
      check(entries.error().code == tdump::ErrorCode::kParse, "an unreadable multistatus is not a kParse error");
      continue;
    }
    for (const auto& entry : *entries) {
      // A member is one name inside the folder: never empty, never a path.
      check(!entry.name.empty() && entry.name.find('/') == std::string::npos, "a member's name is empty or a path");
    }
  }
  return 0;
}
