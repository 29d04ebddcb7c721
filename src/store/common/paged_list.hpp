#pragma once
// The pagination loop every token-based listing shares (S3 continuation tokens, GCS page
// tokens, Azure markers): fetch a page with the last token, stop when none comes back.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/object_store.hpp"

namespace tdump::store {

struct Page {
  std::vector<ObjectMeta> objects;
  std::string next_token;                    // "" = this was the last page
  std::vector<std::string> common_prefixes;  // store-relative, with a delimiter listing only
};

// Fetches one page; `token` is "" for the first. Blocking (runs on the lister thread).
using PageFetcher = std::function<Result<Page>(const std::string& token)>;

// A ListStream over a fetcher. Empty pages with a token (S3 may send them) are skipped
// rather than handed out; a repeated token is an error instead of an endless loop.
std::unique_ptr<ListStream> make_paged_list(PageFetcher fetch);

}  // namespace tdump::store
