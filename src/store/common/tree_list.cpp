#include "store/common/tree_list.hpp"

#include <algorithm>

namespace tdump::store {
namespace {

constexpr std::size_t kMaxDepth = 512;  // deeper trees are refused rather than walked forever

std::string sort_key(const TreeEntry& entry) { return entry.is_dir ? entry.name + "/" : entry.name; }

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}

class TreeListStream final : public ListStream {
 public:
  TreeListStream(DirReader read_dir, std::string prefix, std::size_t page_size)
      : read_dir_(std::move(read_dir)), prefix_(std::move(prefix)), page_size_(page_size == 0 ? 1000 : page_size) {}

  Result<std::optional<ListPage>> next() override {
    if (failed_) return std::optional<ListPage>{};
    if (!started_) {
      started_ = true;
      auto slash = prefix_.rfind('/');
      std::string start = slash == std::string::npos ? std::string{} : prefix_.substr(0, slash + 1);
      auto status = push(start, {0, 0});
      if (!status) {
        failed_ = true;
        if (status.error().code == ErrorCode::kNotFound && !start.empty()) return std::optional<ListPage>{};
        return std::move(status).error();
      }
    }
    ListPage page;
    while (!stack_.empty() && page.objects.size() < page_size_) {
      Frame& frame = stack_.back();
      if (frame.index == frame.entries.size()) {
        stack_.pop_back();
        continue;
      }
      TreeEntry& entry = frame.entries[frame.index++];
      std::string key = frame.dir + entry.name;
      if (entry.is_dir) {
        key.push_back('/');
        if (!starts_with(key, prefix_) && !starts_with(prefix_, key)) continue;
        if (looped(entry.identity)) continue;
        if (stack_.size() >= kMaxDepth) {
          failed_ = true;
          return make_error(ErrorCode::kLimit, "directory tree deeper than " + std::to_string(kMaxDepth) +
                                                   " levels under '" + key + "'");
        }
        auto identity = entry.identity;
        auto status = push(key, identity);  // invalidates `frame` and `entry`
        if (!status && status.error().code != ErrorCode::kNotFound) {
          failed_ = true;
          return std::move(status).error();
        }
        continue;
      }
      if (!starts_with(key, prefix_)) continue;
      entry.meta.key = std::move(key);
      page.objects.push_back(std::move(entry.meta));
    }
    if (page.objects.empty()) return std::optional<ListPage>{};
    return std::optional<ListPage>(std::move(page));
  }

 private:
  struct Frame {
    std::string dir;
    std::vector<TreeEntry> entries;
    std::size_t index = 0;
    std::pair<std::uint64_t, std::uint64_t> identity;
  };

  Status push(const std::string& dir, std::pair<std::uint64_t, std::uint64_t> identity) {
    auto entries = read_dir_(dir);
    if (!entries) return std::move(entries).error();
    std::vector<std::pair<std::string, std::size_t>> order;
    order.reserve(entries->size());
    for (std::size_t i = 0; i < entries->size(); ++i) order.emplace_back(sort_key((*entries)[i]), i);
    std::sort(order.begin(), order.end());
    Frame frame{dir, {}, 0, identity};
    frame.entries.reserve(order.size());
    for (auto& [unused, index] : order) frame.entries.push_back(std::move((*entries)[index]));
    stack_.push_back(std::move(frame));
    return {};
  }

  [[nodiscard]] bool looped(std::pair<std::uint64_t, std::uint64_t> identity) const {
    if (identity == std::pair<std::uint64_t, std::uint64_t>{0, 0}) return false;
    return std::any_of(stack_.begin(), stack_.end(), [&](const Frame& f) { return f.identity == identity; });
  }

  DirReader read_dir_;
  std::string prefix_;
  std::size_t page_size_;
  std::vector<Frame> stack_;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace

std::unique_ptr<ListStream> make_tree_list(DirReader read_dir, std::string prefix, std::size_t page_size) {
  return std::make_unique<TreeListStream>(std::move(read_dir), std::move(prefix), page_size);
}

}  // namespace tdump::store
