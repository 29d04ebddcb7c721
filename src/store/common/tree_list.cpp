#include "store/common/tree_list.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"

namespace tdump::store {
namespace {

// How much of a key a warning quotes.
constexpr std::size_t kQuotedKeyBytes = 256;

std::string quoted(std::string_view key) {
  return server_text(display_key(key), {}, kQuotedKeyBytes);
}

std::string sort_key(const TreeEntry& entry) {
  return entry.is_dir ? entry.name + "/" : entry.name;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}

class TreeListStream final : public ListStream {
 public:
  TreeListStream(DirReader read_dir, std::string prefix, std::size_t page_size, DirIdentity identity)
      : read_dir_(std::move(read_dir)),
        identity_(std::move(identity)),
        prefix_(std::move(prefix)),
        page_size_(page_size == 0 ? 1000 : page_size) {}

  Result<std::optional<ListPage>> next() override {
    if (failed_) return std::optional<ListPage>{};
    if (!started_) {
      started_ = true;
      auto slash = prefix_.rfind('/');
      std::string start = slash == std::string::npos ? std::string{} : prefix_.substr(0, slash + 1);
      std::pair<std::uint64_t, std::uint64_t> start_identity{0, 0};
      if (identity_) {  // the directories above the start, and the start itself
        ancestors_.push_back(identity_(""));
        for (auto end = start.find('/'); end != std::string::npos; end = start.find('/', end + 1)) {
          ancestors_.push_back(identity_(start.substr(0, end + 1)));
        }
        start_identity = ancestors_.back();
      }
      auto status = push(start, start_identity);
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
        if (looped(entry.identity)) {
          spdlog::warn("listing: '{}' is a directory already being listed (a loop); skipped", quoted(key));
          continue;
        }
        if (stack_.size() >= kMaxTreeDepth) {
          if (!depth_warned_) {
            spdlog::warn("listing: the directory tree is deeper than {} levels at '{}'; what lies deeper is skipped",
                         kMaxTreeDepth, quoted(key));
          }
          depth_warned_ = true;
          continue;
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
    // The directory's own entry (empty name) tells its identity when the parent's did not.
    for (const auto& entry : *entries) {
      if (!entry.name.empty() || entry.identity == std::pair<std::uint64_t, std::uint64_t>{0, 0}) continue;
      if (identity == std::pair<std::uint64_t, std::uint64_t>{0, 0}) {
        if (!stack_.empty() && looped(entry.identity)) {
          spdlog::warn("listing: '{}' is a directory already being listed (a loop); skipped", quoted(dir));
          return {};
        }
        identity = entry.identity;
      }
    }
    std::erase_if(*entries, [](const TreeEntry& entry) { return entry.name.empty(); });
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
    return std::any_of(stack_.begin(), stack_.end(), [&](const Frame& f) { return f.identity == identity; }) ||
           std::find(ancestors_.begin(), ancestors_.end(), identity) != ancestors_.end();
  }

  // All members belong to the thread calling next() (a ListStream is used by one thread at a time).
  DirReader read_dir_;
  DirIdentity identity_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ancestors_;
  std::string prefix_;
  std::size_t page_size_;
  std::vector<Frame> stack_;
  bool started_ = false;
  bool failed_ = false;
  bool depth_warned_ = false;
};

}  // namespace

std::unique_ptr<ListStream> make_tree_list(DirReader read_dir, std::string prefix, std::size_t page_size,
                                           DirIdentity identity) {
  return std::make_unique<TreeListStream>(std::move(read_dir), std::move(prefix), page_size, std::move(identity));
}

}  // namespace tdump::store
