#include "store/common/parallel_list.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>

#include <spdlog/spdlog.h>

#include "store/common/crypto.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"

namespace tdump::store {
namespace {

constexpr std::size_t kDigits = 8;     // bytes after the common prefix that place a key
constexpr std::size_t kMaxDepth = 16;  // delimiter expansions below the listed prefix
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

// Position of byte `c` in the sorted alphabet, as a digit: a byte outside it falls between its
// neighbours.
double digit_of(const std::string& alphabet, unsigned char c) {
  auto it = std::lower_bound(alphabet.begin(), alphabet.end(), static_cast<char>(c), [](char a, char b) {
    return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
  });
  double index = static_cast<double>(it - alphabet.begin());
  if (it == alphabet.end() || static_cast<unsigned char>(*it) != c) index -= 0.5;
  return std::clamp(index, 0.0, static_cast<double>(alphabet.size()) - 1.0);
}

std::uint64_t token_hash(const std::string& token) {
  const auto digest = sha256(token);
  std::uint64_t value = 0;
  std::memcpy(&value, digest.data(), sizeof value);
  return value;
}

// The key's place in [0, 1) of the key space after `common`.
double place(const std::string& common, const std::string& key, const std::string& alphabet) {
  const double base = static_cast<double>(alphabet.size());
  double value = 0;
  double scale = 1;
  for (std::size_t i = 0; i < kDigits; ++i) {
    scale /= base;
    const std::size_t at = common.size() + i;
    if (at >= key.size()) break;  // a shorter key sorts before every longer one
    value += digit_of(alphabet, static_cast<unsigned char>(key[at])) * scale;
  }
  return value;
}

bool byte_less(const std::string& a, const std::string& b) {
  return a < b;  // std::string compares as unsigned bytes (char_traits<char>::compare uses memcmp)
}

std::string effective_alphabet(const std::string& alphabet) {
  if (alphabet.size() >= 2) return alphabet;
  // Nothing seen yet: printable ASCII is the likely space of names.
  std::string all;
  for (int c = 0x20; c < 0x7f; ++c) all.push_back(static_cast<char>(c));
  return all;
}

}  // namespace

double key_place(const std::string& common, const std::string& key, const std::string& alphabet) {
  return place(common, key, effective_alphabet(alphabet));
}

std::string key_at_place(const std::string& common, double where, const std::string& alphabet) {
  const std::string letters = effective_alphabet(alphabet);
  const double base = static_cast<double>(letters.size());
  where = std::clamp(where, 0.0, 1.0);
  std::string key = common;
  for (std::size_t i = 0; i < kDigits; ++i) {
    where *= base;
    double whole = std::floor(where);
    auto digit = static_cast<std::size_t>(std::clamp(whole, 0.0, base - 1));
    key.push_back(letters[digit]);
    where -= whole;
  }
  // Trim trailing lowest digits: "7000" and "7" split alike, the shorter is the cleaner boundary.
  while (key.size() > common.size() + 1 && key.back() == letters.front()) key.pop_back();
  // Bytes of an alphabet with non-ASCII letters may not form UTF-8; a listing's start key must
  // (S3 and GCS take UTF-8 names): cut back to a valid prefix, still a boundary in the key space.
  while (key.size() > common.size() && !is_valid_utf8(key)) key.pop_back();
  return key;
}

std::optional<std::string> split_key(const std::string& common, const std::string& lo,
                                     const std::optional<std::string>& hi, const std::string& alphabet) {
  const double from = key_place(common, lo, alphabet);
  const double to = hi ? key_place(common, *hi, alphabet) : 1.0;
  if (to <= from) return std::nullopt;
  std::string key = key_at_place(common, (from + to) / 2, alphabet);
  if (!byte_less(lo, key)) return std::nullopt;
  if (hi && !byte_less(key, *hi)) return std::nullopt;
  return key;
}

namespace {

struct Task {
  std::string prefix;
  std::shared_ptr<const KeyShape> shape;  // its part's (ListPart::shape): where its cuts are measured
  bool delimiter = false;
  std::size_t depth = 0;
  std::optional<std::string> after;  // keys > after
  std::optional<std::string> upto;   // keys <= upto
  std::string token;
  std::string query_start;  // start_after of the current listing of this task
  std::string last_key;     // last key emitted (keys must increase)
  std::string first_key;    // first key emitted; with `emitted`, the task's density of keys
  std::uint64_t emitted = 0;
  std::shared_ptr<BoundedHashSet> seen_tokens = std::make_shared<BoundedHashSet>(kMaxRememberedTokens);
  bool listed_any = false;  // last_key holds a key
  // A page of this task came back full (with a continuation token): there are more keys than
  // one page. Only such a task is split, so that a small listing is not cut into empty ranges
  // (each of which would still cost a request).
  bool more_known = false;
  bool in_flight = false;
  bool done = false;
};

struct Completion {
  std::size_t task = 0;
  Result<Page> page = Page{};
};

// What callbacks in flight share with the stream (they may outlive it).
struct Mailbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Completion> completions;  // guarded by mutex
};

class ParallelList final : public ParallelListStream {
 public:
  ParallelList(AsyncPageFetch fetch, ListCapabilities capabilities, const std::string& prefix,
               ParallelListSettings settings)
      : fetch_(std::move(fetch)),
        caps_(capabilities),
        settings_(std::move(settings)),
        mailbox_(std::make_shared<Mailbox>()) {
    settings_.parallelism = std::max<std::size_t>(settings_.parallelism, 1);
    if (settings_.parts.empty()) settings_.parts.push_back(ListPart{prefix, settings_.ranges, settings_.shape});
    for (auto& part : settings_.parts) {
      if (part.ranges.empty()) part.ranges.emplace_back();
      for (const auto& range : part.ranges) {
        Task root;
        root.prefix = part.prefix;
        root.shape = part.shape;
        // The whole prefix starts with the tree. A bounded range (a shard plan's: its bounds are
        // equal-count quantiles, already cut where the keys are) is listed flat in full pages
        // from its lower bound where the store can start there, and split by key range as it
        // runs; a delimiter walk inside it would cost a partial page per small subtree.
        const bool bounded = range.after || range.upto;
        root.delimiter = caps_.delimiter && settings_.parallelism > 1 && !(bounded && caps_.start_after);
        root.after = range.after;
        root.upto = range.upto;
        pending_.push_back(add_task(std::move(root)));
      }
    }
  }

  ParallelList(const ParallelList&) = delete;
  ParallelList& operator=(const ParallelList&) = delete;

  ~ParallelList() override {
    report_skipped();
    // Callbacks in flight hold the mailbox, not this object; wait for them so that the fetch
    // function (which may capture the store) is not used after the stream is gone.
    std::unique_lock lock(mailbox_->mutex);
    mailbox_->cv.wait(lock, [&] { return mailbox_->completions.size() == in_flight_; });
  }

  Result<std::optional<ListPage>> next() override {
    while (true) {
      if (failed_) return std::optional<ListPage>{};
      if (!ready_.empty()) {
        ListPage page = std::move(ready_.front());
        ready_.pop_front();
        // Nothing queued, running or waiting to be handed out: every task has ended.
        page.last = ready_.empty() && in_flight_ == 0 && pending_.empty();
        return std::optional<ListPage>(std::move(page));
      }
      fill_slots();
      if (in_flight_ == 0) {
        report_skipped();
        return std::optional<ListPage>{};
      }
      std::deque<Completion> done;
      {
        std::unique_lock lock(mailbox_->mutex);
        mailbox_->cv.wait(lock, [&] { return !mailbox_->completions.empty(); });
        done.swap(mailbox_->completions);
      }
      in_flight_ -= done.size();
      for (auto& completion : done) {
        auto status = process(completion);
        if (!status) {
          failed_ = true;
          report_skipped();
          return std::move(status).error();
        }
      }
    }
  }

  [[nodiscard]] ParallelListStats stats() const override { return stats_; }
  [[nodiscard]] std::uint64_t list_requests() const override { return stats_.requests; }

 private:
  void fill_slots() {
    while (in_flight_ < settings_.parallelism) {
      if (pending_.empty() && !split_busiest()) return;
      std::size_t index = pending_.front();
      pending_.pop_front();
      send(index);
    }
  }

  void send(std::size_t index) {
    Task& task = tasks_[index];
    PageRequest request;
    request.prefix = task.prefix;
    request.delimiter = task.delimiter;
    request.page_size = settings_.page_size;
    request.token = task.token;
    if (caps_.start_after && task.token.empty()) {
      // A listing (re)starts after the last key emitted or, at first, after the range's lower
      // bound; its later pages keep the same start (a page token belongs to its query).
      task.query_start.clear();
      if (task.listed_any) {
        task.query_start = task.last_key;
      } else if (task.after && byte_less(task.prefix, *task.after)) {
        task.query_start = *task.after;
        // With the delimiter, start before the folder that holds the lower bound: its common
        // prefix ("a/" for "a/k7") sorts before the bound, and servers differ on whether they
        // still report it (S3 does; moto 5 drops it, and the keys after the bound in that
        // folder would be lost, as tests/store/conformance_test.cpp showed). Keys listed from
        // there up to the bound are dropped by process().
        const auto slash = task.after->find('/', task.prefix.size());
        if (task.delimiter && slash != std::string::npos && task.after->starts_with(task.prefix)) {
          task.query_start = task.after->substr(0, slash);
        }
      }
    }
    request.start_after = task.query_start;
    task.in_flight = true;
    ++in_flight_;
    ++stats_.requests;
    stats_.max_in_flight = std::max<std::uint64_t>(stats_.max_in_flight, in_flight_);
    fetch_(request, [mailbox = mailbox_, index](Result<Page> page) {
      {
        std::lock_guard lock(mailbox->mutex);
        mailbox->completions.push_back(Completion{index, std::move(page)});
      }
      mailbox->cv.notify_all();
    });
  }

  // True when a subtree under `prefix` may hold keys inside the task's range.
  static bool overlaps(const std::string& prefix, const Task& task) {
    if (task.upto && byte_less(*task.upto, prefix)) return false;  // starts after the range ends
    if (task.after && byte_less(prefix, *task.after) && !task.after->starts_with(prefix)) return false;
    return true;
  }

  Status process(Completion& completion) {
    Task& task = tasks_[completion.task];
    task.in_flight = false;
    if (!completion.page) return std::move(completion.page).error();
    Page& page = *completion.page;
    const bool asked_start = caps_.start_after && task.token.empty() && !task.query_start.empty();
    if (asked_start && !ignores_start(page, task.query_start) && !page.objects.empty()) start_after_seen_ = true;
    if (asked_start && ignores_start(page, task.query_start)) {
      // The server answered a start-after query from the prefix's start: it does not support
      // it (some S3-compatible servers). No more key-range splits; every task lists from its
      // prefix's start and drops the keys before its range, so no key is lost or doubled.
      caps_.start_after = false;
      spdlog::warn("{}the server ignores start-after (a page began before '{}'): listing without key-range splits",
                   where(), server_text(display_key(task.query_start), {}, kQuotedKeyBytes));
    }
    if (task.delimiter && caps_.start_after && caps_.order == KeyOrder::kBytes && !task.listed_any &&
        task.token.empty() && cut_into_ranges(completion.task, page)) {
      return {};
    }
    ListPage out;
    out.objects.reserve(page.objects.size());
    bool reached_end = false;
    const bool byte_order = caps_.order == KeyOrder::kBytes;
    for (auto& meta : page.objects) {
      const std::string& key = meta.key;
      if (task.after && !byte_less(*task.after, key)) continue;  // at or before the range (inclusive starts)
      // A listing restarted after its last key gets that key again where the start is inclusive
      // (GCS startOffset): dropped here, not counted as a key out of order.
      if (!task.query_start.empty() && key == task.query_start) continue;
      if (task.upto && byte_less(*task.upto, key)) {
        if (!byte_order) continue;  // listed in another order: later keys may still be inside
        reached_end = true;         // the rest belongs to the task after this one
        break;
      }
      if (task.listed_any && !key_before(task.last_key, key, caps_.order)) {
        if (stats_.skipped_keys == 0) first_skipped_ = key;
        ++stats_.skipped_keys;
        continue;
      }
      if (!task.listed_any) task.first_key = key;
      task.listed_any = true;
      ++task.emitted;
      learn(key);
      task.last_key = key;
      out.objects.push_back(std::move(meta));
    }
    bool converted = false;
    if (task.delimiter) {
      if (page.common_prefixes.empty() && caps_.start_after && !page.next_token.empty() && !reached_end &&
          task.listed_any && caps_.order == KeyOrder::kBytes) {
        // A flat level so far (keys only): list the rest without the delimiter, after the last
        // key, so that the key-range splits can share it out.
        converted = true;
      }
      const Task parent = task;  // tasks_ grows below: no references into it across push_back
      for (auto& sub : page.common_prefixes) {
        if (!sub.starts_with(parent.prefix) || sub.size() <= parent.prefix.size() || !overlaps(sub, parent)) continue;
        Task child;
        child.prefix = std::move(sub);
        child.shape = parent.shape;
        child.depth = parent.depth + 1;
        child.after = parent.after;
        child.upto = parent.upto;
        child.delimiter = caps_.delimiter && child.depth < kMaxDepth && open_tasks() + 1 < 2 * settings_.parallelism;
        learn(child.prefix);
        pending_.push_back(add_task(std::move(child)));
      }
      if (!page.common_prefixes.empty()) ++stats_.expansions;
    }
    Task& current = tasks_[completion.task];  // tasks_ may have grown
    if (!page.next_token.empty() && !page.objects.empty()) current.more_known = true;
    if (reached_end || page.next_token.empty()) {
      current = Task{};  // its strings and token set are freed; the slot is taken again
      current.done = true;
      free_tasks_.push_back(completion.task);
    } else if (converted) {
      current.delimiter = false;
      current.token.clear();
      current.seen_tokens = std::make_shared<BoundedHashSet>(kMaxRememberedTokens);
      pending_.push_front(completion.task);
    } else {
      if (page.next_token.size() > kMaxTokenBytes) {
        return make_error(ErrorCode::kLimit, where() + "the server sent a continuation token of " +
                                                 std::to_string(page.next_token.size()) + " bytes (at most " +
                                                 std::to_string(kMaxTokenBytes) + " are accepted); listing stopped");
      }
      const std::uint64_t hash = token_hash(page.next_token);
      if (page.next_token == current.token || current.seen_tokens->contains(hash)) {
        return make_error(ErrorCode::kParse, where() + "the server sent continuation token '" +
                                                 server_text(page.next_token, {}, kQuotedTokenBytes) +
                                                 "' a second time (a cycle: it would list forever); listing stopped");
      }
      current.seen_tokens->insert(hash);
      current.token = std::move(page.next_token);
      pending_.push_front(completion.task);  // a running listing goes on before new ones start
    }
    if (!out.objects.empty()) ready_.push_back(std::move(out));
    return {};
  }

  [[nodiscard]] std::string where() const {
    return settings_.description.empty() ? std::string{} : "listing " + settings_.description + ": ";
  }

  void report_skipped() {
    if (stats_.skipped_keys == 0 || reported_) return;
    reported_ = true;
    spdlog::warn(
        "{}skipped {} key(s) not in increasing order (listed again, or out of order), e.g. '{}': each "
        "key is listed once",
        where(), stats_.skipped_keys, server_text(display_key(first_skipped_), {}, kQuotedKeyBytes));
  }

  // A key or common prefix strictly before `start` in a page asked to start after it (an
  // inclusive start, GCS startOffset, may repeat `start` itself).
  static bool ignores_start(const Page& page, const std::string& start) {
    return std::any_of(page.objects.begin(), page.objects.end(),
                       [&](const ObjectMeta& meta) { return byte_less(meta.key, start); }) ||
           std::any_of(page.common_prefixes.begin(), page.common_prefixes.end(), [&](const std::string& prefix) {
             return byte_less(prefix, start) && !start.starts_with(prefix);
           });
  }

  [[nodiscard]] std::size_t open_tasks() const { return pending_.size() + in_flight_; }

  void learn(const std::string& key) {
    for (std::size_t i = 0; i < key.size() && i < 64; ++i) {
      const auto c = static_cast<unsigned char>(key[i]);
      if (!seen_[c]) {
        seen_[c] = true;
        alphabet_.insert(std::lower_bound(alphabet_.begin(), alphabet_.end(), static_cast<char>(c),
                                          [](char a, char b) {
                                            return static_cast<unsigned char>(a) < static_cast<unsigned char>(b);
                                          }),
                         static_cast<char>(c));
      }
    }
  }

  // A tree level seen through its first delimiter page, on a store that can start after any key:
  // rather than one task per sub-prefix (small subtrees make one partial page each), the level's
  // key space is cut into ranges at some of its sub-prefixes, so that each range spans several
  // sibling subtrees and is listed in full pages. With sub-prefixes s1 < s2 < ... < sn > after,
  // the separators are chosen among s2..sn; the ranges (after, b1], (b1, b2], ... are listed
  // flat, and (bm, upto] goes on with the delimiter (the rest of the level, cut again when its
  // own first page comes). The ranges partition the task's range, so every key is listed once;
  // the page itself emits nothing (its keys lie in the ranges). False (nothing changed) when the
  // page offers no separator.
  bool cut_into_ranges(std::size_t index, const Page& page) {
    const Task parent = tasks_[index];
    std::vector<const std::string*> inside;
    for (const auto& sub : page.common_prefixes) {
      if (!sub.starts_with(parent.prefix) || sub.size() <= parent.prefix.size()) continue;
      if (parent.after && !byte_less(*parent.after, sub)) continue;
      if (parent.upto && !byte_less(sub, *parent.upto)) continue;
      if (!inside.empty() && !byte_less(*inside.back(), sub)) continue;  // increasing only
      inside.push_back(&sub);
    }
    if (inside.size() < 2) return false;
    const std::size_t room =
        2 * settings_.parallelism > open_tasks() + 1 ? 2 * settings_.parallelism - open_tasks() - 1 : 1;
    const std::size_t separators = std::clamp<std::size_t>(room, 1, inside.size() - 1);
    std::vector<std::string> bounds;
    for (std::size_t i = 1; i <= separators; ++i) {
      // Evenly over s2..sn (indices 1..n-1).
      const std::size_t at = 1 + (i - 1) * (inside.size() - 1) / separators;
      if (bounds.empty() || byte_less(bounds.back(), *inside[at])) bounds.push_back(*inside[at]);
    }
    for (const auto& sub : inside) learn(*sub);
    std::optional<std::string> lower = parent.after;
    for (const auto& bound : bounds) {
      Task range;
      range.prefix = parent.prefix;
      range.shape = parent.shape;
      range.depth = parent.depth + 1;
      range.after = lower;
      range.upto = bound;
      pending_.push_back(add_task(std::move(range)));
      lower = bound;
    }
    Task& rest = tasks_[index];  // tasks_ may have grown
    rest.after = lower;
    rest.upto = parent.upto;
    rest.depth = parent.depth + 1;
    rest.delimiter = rest.depth < kMaxDepth && open_tasks() < 2 * settings_.parallelism;
    rest.query_start.clear();
    pending_.push_back(index);
    ++stats_.expansions;
    return true;
  }

  // Keys a running task is estimated to have left: its own density so far (keys emitted over the
  // stretch of key space they span) times the stretch left up to its bound. Places are taken
  // after the longest prefix the stretch's ends share, so that keys deep in a tree (which agree
  // on their first bytes) are still told apart.
  [[nodiscard]] double keys_left(const Task& task) const {
    if (!task.listed_any || task.emitted < 2) return 0;
    const std::string common = shared_prefix(task.prefix, task.first_key, task.upto);
    const auto at = [&](const std::string& key) {
      return task.shape ? task.shape->place(common, key) : key_place(common, key, alphabet_);
    };
    const double first = at(task.first_key);
    const double last = at(task.last_key);
    const double end = task.upto ? at(*task.upto) : 1.0;
    if (last <= first || end <= last) return end > last ? static_cast<double>(settings_.page_size) * 2 : 0;
    return static_cast<double>(task.emitted) / (last - first) * (end - last);
  }

  // The longest common prefix of `key` and `upto` (or `prefix` when the range is open above).
  static std::string shared_prefix(const std::string& prefix, const std::string& key,
                                   const std::optional<std::string>& upto) {
    if (!upto) return prefix;
    std::size_t n = 0;
    while (n < key.size() && n < upto->size() && key[n] == (*upto)[n]) ++n;
    return key.substr(0, n);
  }

  // When a slot is idle and nothing is queued: cuts the running task with the most keys left into
  // pieces, each a new task but the first (which the running task keeps), so that the idle slots
  // take the rest at once rather than one halving per page round.
  // - Which task: the one with the most keys left by its own density (keys_left), when that is
  //   at least two pages, enough to pay for the partial page a cut costs. When none is, the
  //   listing is in its tail (slots idle, nothing else to do): then the task with the most left
  //   among those whose last page came back full, whatever the estimate says — in a tree the
  //   density of the keys listed so far says little about the rest of a range (a range
  //   estimated at 900 keys left held 3,000), and an idle slot costs a page round of the whole
  //   listing while a cut costs at most one request more.
  // - How many pieces: one per idle slot plus the one the task keeps, at most one per two pages
  //   left by the estimate, and only two until the server has been seen to honour start-after (a
  //   server that ignores it makes every new task list from the prefix's start).
  // A task is cut again only after its next full page: the pieces' own pages say more.
  bool split_busiest() {
    if (!caps_.start_after) return false;
    std::size_t best = tasks_.size();
    double most = 2.0 * static_cast<double>(settings_.page_size);
    double tail_most = -1;
    std::size_t tail_best = tasks_.size();
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      const Task& task = tasks_[i];
      if (task.done || task.delimiter || !task.in_flight || !task.more_known) continue;
      if (lower_of(task).empty()) continue;  // nothing known of where it stands yet
      const double left = keys_left(task);
      if (left > most) {
        most = left;
        best = i;
      }
      if (left > tail_most) {
        tail_most = left;
        tail_best = i;
      }
    }
    if (best == tasks_.size()) {
      if (tail_best == tasks_.size()) return false;
      best = tail_best;
      most = 0;
    }
    const std::size_t idle = settings_.parallelism > open_tasks() ? settings_.parallelism - open_tasks() : 1;
    std::size_t pieces = 2;
    if (start_after_seen_) {
      const auto by_estimate = static_cast<std::size_t>(most / (2.0 * static_cast<double>(settings_.page_size)));
      pieces = std::clamp<std::size_t>(by_estimate, 2, idle + 1);
    }
    Task& task = tasks_[best];
    const std::string lower = lower_of(task);
    const std::string common = shared_prefix(task.prefix, lower, task.upto);
    std::vector<std::string> cuts;
    if (const auto& shape = task.shape) {
      cuts = cut_keys(
          lower, task.upto, pieces, [&](const std::string& key) { return shape->place(common, key); },
          [&](double where) { return shape->key_at(common, where); });
    }
    if (cuts.empty()) {
      cuts = cut_keys(
          lower, task.upto, pieces, [&](const std::string& key) { return key_place(common, key, alphabet_); },
          [&](double where) { return key_at_place(common, where, alphabet_); });
    }
    if (cuts.empty()) return false;
    const Task running = task;  // tasks_ grows below: no references into it across push_back
    tasks_[best].upto = cuts.front();
    tasks_[best].more_known = false;  // cut again only after its next full page
    for (std::size_t i = 0; i < cuts.size(); ++i) {
      Task piece;
      piece.prefix = running.prefix;
      piece.shape = running.shape;
      piece.depth = running.depth;
      piece.after = cuts[i];
      piece.upto = i + 1 < cuts.size() ? std::optional<std::string>(cuts[i + 1]) : running.upto;
      piece.more_known = false;  // nothing is known of a piece until its first page
      pending_.push_back(add_task(std::move(piece)));
      ++stats_.splits;
    }
    return true;
  }

  // Keys cutting (lower, upto] into `pieces` stretches of equal measure (`at` a key's place,
  // `key_at` a place's key), strictly increasing and strictly inside; fewer when the measure
  // finds no key between two cuts, none when it finds none at all.
  template <typename At, typename KeyAt>
  static std::vector<std::string> cut_keys(const std::string& lower, const std::optional<std::string>& upto,
                                           std::size_t pieces, At at, KeyAt key_at) {
    std::vector<std::string> cuts;
    const double from = at(lower);
    const double to = upto ? at(*upto) : 1.0;
    if (to <= from) return cuts;
    for (std::size_t i = 1; i < pieces; ++i) {
      std::string key = key_at(from + (to - from) * static_cast<double>(i) / static_cast<double>(pieces));
      if (!byte_less(cuts.empty() ? lower : cuts.back(), key)) continue;
      if (upto && !byte_less(key, *upto)) break;
      cuts.push_back(std::move(key));
    }
    return cuts;
  }

  // Stores a new task, in the slot of one that has ended when there is one (a task's index is
  // held only while it is queued or in flight, never after it has ended), so that the tasks held
  // stay bounded by those open at once, not by the splits a long listing makes. Returns its index.
  std::size_t add_task(Task task) {
    if (free_tasks_.empty()) {
      tasks_.push_back(std::move(task));
      stats_.task_slots = tasks_.size();
      return tasks_.size() - 1;
    }
    const std::size_t index = free_tasks_.back();
    free_tasks_.pop_back();
    tasks_[index] = std::move(task);
    return index;
  }

  static std::string lower_of(const Task& task) {
    if (task.listed_any) return task.last_key;
    if (task.after && task.after->starts_with(task.prefix)) return *task.after;
    return {};
  }

  AsyncPageFetch fetch_;
  ListCapabilities caps_;
  ParallelListSettings settings_;
  std::shared_ptr<Mailbox> mailbox_;

  // Everything below is touched only by the thread that calls next().
  std::vector<Task> tasks_;
  std::vector<std::size_t> free_tasks_;  // slots of tasks that have ended
  std::deque<std::size_t> pending_;      // tasks with a request to send
  std::size_t in_flight_ = 0;
  std::deque<ListPage> ready_;
  std::array<bool, 256> seen_{};
  std::string alphabet_;  // sorted distinct bytes of keys seen so far
  ParallelListStats stats_;
  std::string first_skipped_;
  bool reported_ = false;
  bool failed_ = false;
  bool start_after_seen_ = false;  // a page asked to start after a key began after it
};

}  // namespace

std::unique_ptr<ParallelListStream> make_parallel_list(AsyncPageFetch fetch, ListCapabilities capabilities,
                                                       const std::string& prefix, ParallelListSettings settings) {
  return std::make_unique<ParallelList>(std::move(fetch), capabilities, prefix, std::move(settings));
}

}  // namespace tdump::store
