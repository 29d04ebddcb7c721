// libFuzzer target: WebDAV PROPFIND answers (207 multistatus, RFC 4918): parse_multistatus
// (store/http/webdav.hpp) for the root and for the folder the seeds were listed from. The input
// is a response body; the seeds are nginx dav-ext answers to PROPFIND Depth: 1
// (fuzz/make_seeds.py). Members are single names; links back (the folder itself listed again, a
// folder above it) are only ever the folder or its ancestors.
#include "common/fuzz_support.hpp"
#include "store/http/webdav.hpp"

using tdump::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view body = tdump::fuzz::as_text(data, size);
  for (const std::string_view dir : {"/", "/data/", "/data/a b/", "/data/sub/"}) {
    auto listing = tdump::store::parse_multistatus(body, dir);
    if (!listing) {
      check(listing.error().code == tdump::ErrorCode::kParse, "an unreadable multistatus is not a kParse error");
      continue;
    }
    for (const auto& entry : listing->entries) {
      // A member is one name inside the folder: never empty, never a path, never a dot segment
      // (they are resolved, RFC 3986 5.2.4).
      check(!entry.name.empty() && entry.name.find('/') == std::string::npos, "a member's name is empty or a path");
      check(entry.name != "." && entry.name != "..", "a member is a dot segment");
      check(entry.is_dir || entry.identity == std::pair<std::uint64_t, std::uint64_t>{0, 0},
            "a file has a directory identity");
    }
    for (const auto& link : listing->back_links) {
      check(link.starts_with('/') && std::string_view(dir).starts_with(link.ends_with('/') ? link : link + '/'),
            "a back link is not the folder itself or a folder above it");
    }
  }
  return 0;
}
