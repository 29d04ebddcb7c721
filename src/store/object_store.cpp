#include "store/object_store.hpp"

#include <cstdlib>
#include <future>

#include "store/common/url.hpp"

namespace tdump::store {

Result<RangeRead> ObjectStore::read_range_blocking(std::string_view key, ByteRange range) {
  std::promise<Result<RangeRead>> done;
  auto future = done.get_future();
  read_range(key, range, [&done](Result<RangeRead> result) { done.set_value(std::move(result)); });
  return future.get();
}

std::optional<std::string> ObjectStore::key_for_url(std::string_view url) const {
  std::string base = url_for("");
  if (url.size() < base.size() || url.substr(0, base.size()) != base) return std::nullopt;
  std::string_view rest = url.substr(base.size());
  if (rest.empty()) return std::nullopt;
  return urls_are_encoded() ? percent_decode(rest) : std::string(rest);
}

namespace {

// A sequential listing with the keys outside a range dropped.
class RangeFilteredStream final : public ListStream {
 public:
  RangeFilteredStream(std::unique_ptr<ListStream> inner, std::vector<KeyRange> ranges)
      : inner_(std::move(inner)), ranges_(std::move(ranges)) {}
  Result<std::optional<ListPage>> next() override {
    while (true) {
      auto page = inner_->next();
      if (!page || !page->has_value()) return page;
      auto& objects = (*page)->objects;
      std::erase_if(objects, [&](const ObjectMeta& meta) { return !in_ranges(ranges_, meta.key); });
      if (!objects.empty()) return page;
    }
  }
  [[nodiscard]] std::uint64_t list_requests() const override { return inner_->list_requests(); }

 private:
  std::unique_ptr<ListStream> inner_;
  std::vector<KeyRange> ranges_;
};

}  // namespace

std::unique_ptr<ListStream> ObjectStore::list(std::string_view prefix, const ListOptions& options) {
  auto stream = list(prefix, options.page_size);
  if (options.ranges.empty()) return stream;
  return std::make_unique<RangeFilteredStream>(std::move(stream), options.ranges);
}

Status ObjectStore::put_object(std::string_view key, std::string_view /*bytes*/) {
  return make_error(ErrorCode::kUnsupported,
                    "cannot write " + url_for(key) + ": a " + std::string(scheme()) + " store does not support writes");
}

Result<bool> ObjectStore::put_object_if_absent(std::string_view key, std::string_view /*bytes*/) {
  return make_error(ErrorCode::kUnsupported, "cannot create " + url_for(key) + " only if absent: a " +
                                                 std::string(scheme()) + " store has no conditional write here");
}

Status ObjectStore::delete_object(std::string_view key) {
  return make_error(ErrorCode::kUnsupported, "cannot delete " + url_for(key) + ": a " + std::string(scheme()) +
                                                 " store does not support writes");
}

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe): read-only use
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace tdump::store
