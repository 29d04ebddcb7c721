#include "store/common/paged_list.hpp"

namespace tdump::store {
namespace {

class PagedListStream final : public ListStream {
 public:
  explicit PagedListStream(PageFetcher fetch) : fetch_(std::move(fetch)) {}

  Result<std::optional<ListPage>> next() override {
    while (!done_) {
      auto page = fetch_(token_);
      if (!page) {
        done_ = true;  // an error ends the stream; the caller decides whether to retry a new list
        return std::move(page).error();
      }
      if (!page->next_token.empty() && page->next_token == token_) {
        done_ = true;
        return make_error(ErrorCode::kParse, "the server returned the same continuation token twice; listing stopped");
      }
      token_ = std::move(page->next_token);
      done_ = token_.empty();
      if (!page->objects.empty()) return std::optional<ListPage>(ListPage{std::move(page->objects)});
    }
    return std::optional<ListPage>{};
  }

 private:
  PageFetcher fetch_;
  std::string token_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<ListStream> make_paged_list(PageFetcher fetch) {
  return std::make_unique<PagedListStream>(std::move(fetch));
}

}  // namespace tdump::store
