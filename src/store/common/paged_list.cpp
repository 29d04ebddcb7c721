#include "store/common/paged_list.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "store/common/crypto.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"

namespace tdump::store {
namespace {

// How much of a token or key a message quotes.
constexpr std::size_t kQuotedTokenBytes = 48;
constexpr std::size_t kQuotedKeyBytes = 256;

// A set of 64-bit values (open addressing, linear probing) that grows up to a fixed number of
// entries: 8 bytes a slot, at most half full.
class BoundedHashSet {
 public:
  explicit BoundedHashSet(std::size_t max_entries) : max_entries_(max_entries) {}

  [[nodiscard]] bool contains(std::uint64_t value) const {
    if (slots_.empty()) return false;
    value = value == 0 ? 1 : value;  // 0 marks an empty slot
    for (std::size_t i = value & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == value) return true;
      if (slots_[i] == 0) return false;
    }
  }

  // False when full (the value is then not remembered).
  bool insert(std::uint64_t value) {
    if (size_ >= max_entries_) return false;
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(value == 0 ? 1 : value);
    ++size_;
    return true;
  }

 private:
  void place(std::uint64_t value) {
    std::size_t i = value & (slots_.size() - 1);
    while (slots_[i] != 0 && slots_[i] != value) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = value;
  }
  void grow() {
    std::vector<std::uint64_t> old(slots_.empty() ? 64 : slots_.size() * 2, 0);
    old.swap(slots_);
    for (const auto value : old) {
      if (value != 0) place(value);
    }
  }

  std::size_t max_entries_;
  std::size_t size_ = 0;
  std::vector<std::uint64_t> slots_;  // size a power of two
};

std::uint64_t token_hash(const std::string& token) {
  const auto digest = sha256(token);
  std::uint64_t value = 0;
  std::memcpy(&value, digest.data(), sizeof value);
  return value;
}

class PagedListStream final : public ListStream {
 public:
  PagedListStream(PageFetcher fetch, std::string description, KeyOrder order)
      : fetch_(std::move(fetch)),
        description_(std::move(description)),
        order_(order),
        seen_tokens_(kMaxRememberedTokens) {}
  PagedListStream(const PagedListStream&) = delete;
  PagedListStream& operator=(const PagedListStream&) = delete;
  ~PagedListStream() override { report_skipped(); }

  Result<std::optional<ListPage>> next() override {
    while (!done_) {
      auto page = fetch_(token_);
      if (!page) return stop(std::move(page).error());
      if (page->next_token.size() > kMaxTokenBytes) {
        return stop(make_error(ErrorCode::kLimit, where() + "the server sent a continuation token of " +
                                                      std::to_string(page->next_token.size()) + " bytes (at most " +
                                                      std::to_string(kMaxTokenBytes) +
                                                      " are accepted); listing stopped"));
      }
      if (!page->next_token.empty()) {
        const std::uint64_t hash = token_hash(page->next_token);
        if (page->next_token == token_ || seen_tokens_.contains(hash)) {
          return stop(
              make_error(ErrorCode::kParse, where() + "the server sent continuation token '" +
                                                server_text(page->next_token, {}, kQuotedTokenBytes) +
                                                "' a second time (a cycle: it would list forever); listing stopped"));
        }
        seen_tokens_.insert(hash);
      }
      token_ = std::move(page->next_token);
      done_ = token_.empty();
      ListPage out;
      out.objects.reserve(page->objects.size());
      for (auto& meta : page->objects) {
        if (have_last_ && !key_before(last_key_, meta.key, order_)) {
          if (skipped_ == 0) first_skipped_ = meta.key;
          ++skipped_;
          continue;
        }
        have_last_ = true;
        last_key_ = meta.key;
        out.objects.push_back(std::move(meta));
      }
      if (done_) report_skipped();
      if (!out.objects.empty()) return std::optional<ListPage>(std::move(out));
    }
    return std::optional<ListPage>{};
  }

 private:
  std::string where() const { return description_.empty() ? std::string{} : "listing " + description_ + ": "; }

  Error stop(Error error) {
    done_ = true;  // an error ends the stream; the caller decides whether to retry a new list
    report_skipped();
    return error;
  }

  void report_skipped() {
    if (skipped_ == 0 || reported_) return;
    reported_ = true;
    spdlog::warn(
        "{}skipped {} key(s) not in increasing order (listed again, or out of order), e.g. '{}': each "
        "key is listed once",
        where(), skipped_, server_text(display_key(first_skipped_), {}, kQuotedKeyBytes));
  }

  // All members belong to the thread calling next() (a ListStream is used by one thread at a time).
  PageFetcher fetch_;
  std::string description_;
  KeyOrder order_;
  std::string token_;
  BoundedHashSet seen_tokens_;
  std::string last_key_;
  bool have_last_ = false;
  std::uint64_t skipped_ = 0;
  std::string first_skipped_;
  bool reported_ = false;
  bool done_ = false;
};

}  // namespace

bool key_before(std::string_view a, std::string_view b, KeyOrder order) noexcept {
  if (order == KeyOrder::kBytes) return a < b;  // char_traits<char> compares as unsigned char
  // UTF-16 code-unit order is byte order with the lead bytes of U+E000..U+FFFF (0xEE, 0xEF)
  // moved above those of U+10000.. (0xF0..0xF4): compare bytes mapped that way (an injective
  // map, so this is a strict total order on any byte strings, UTF-8 or not).
  const auto rank = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == 0xEE || byte == 0xEF ? byte + 0x100U : static_cast<unsigned>(byte);
  };
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return rank(a[i]) < rank(b[i]);
  }
  return a.size() < b.size();
}

std::unique_ptr<ListStream> make_paged_list(PageFetcher fetch, std::string description, KeyOrder order) {
  return std::make_unique<PagedListStream>(std::move(fetch), std::move(description), order);
}

}  // namespace tdump::store
