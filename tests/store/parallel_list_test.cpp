// The parallel lister's scheduling (tree expansion, key-range splits, exactly-once) over an
// in-memory key set that answers pages with S3's documented ListObjectsV2 semantics (prefix,
// delimiter, start-after exclusive, continuation token, max-keys) from other threads, in random
// order and with random delays. The same lister runs against moto, the GCS test server and
// Azurite in parallel_list_servers_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "store/common/parallel_list.hpp"

namespace tdump::store {
namespace {

// Keys in memory answering S3-style pages on worker threads.
class MemoryBucket {
 public:
  explicit MemoryBucket(std::set<std::string> keys) : keys_(std::move(keys)) {}
  // Like moto 5: a delimiter listing with start-after drops the common prefixes that sort
  // before start-after, even when keys after it roll up into them (S3 reports them).
  void drop_prefixes_before_start_after() { drop_early_prefixes_ = true; }
  // Like GCS's startOffset: the listing starts at start_after itself, not after it.
  void inclusive_start() { inclusive_start_ = true; }
  // Like an S3-compatible server without start-after: the parameter is ignored.
  void ignore_start_after() { ignore_start_after_ = true; }
  // Every page answered after the same delay (as a service's page latency), so that the
  // listing's page rounds are apart.
  void fixed_delay(std::chrono::milliseconds delay) { fixed_delay_ = delay; }
  ~MemoryBucket() {
    for (auto& t : threads_) t.join();
  }

  AsyncPageFetch fetch() {
    return [this](const PageRequest& request, std::function<void(Result<Page>)> done) {
      ++requests_;
      std::lock_guard lock(threads_mutex_);
      const auto delay =
          fixed_delay_ ? std::chrono::microseconds(*fixed_delay_) : std::chrono::microseconds(rng_() % 2000);
      threads_.emplace_back([this, request, done = std::move(done), delay] {
        std::this_thread::sleep_for(delay);
        auto page = answer(request);
        {
          std::lock_guard lock(keys_mutex_);
          sent_when_answered_.push_back(requests_.load());
        }
        done(std::move(page));
      });
    };
  }

  // Keys added or removed while a listing runs (a bucket that changes).
  void insert(const std::string& key) {
    std::lock_guard lock(keys_mutex_);
    keys_.insert(key);
  }
  void erase(const std::string& key) {
    std::lock_guard lock(keys_mutex_);
    keys_.erase(key);
  }

  [[nodiscard]] int requests() const { return requests_.load(); }
  // How many requests had been sent when each page was answered, in answer order.
  [[nodiscard]] std::vector<int> sent_when_answered() {
    std::lock_guard lock(keys_mutex_);
    return sent_when_answered_;
  }

 private:
  Page answer(const PageRequest& request) {
    std::lock_guard lock(keys_mutex_);
    Page page;
    // The token is the first key of the next page; else start after start_after.
    auto it = keys_.lower_bound(request.prefix);
    if (!request.token.empty()) {
      it = keys_.lower_bound(request.token);
    } else if (!request.start_after.empty() && !ignore_start_after_) {
      auto after = inclusive_start_ ? keys_.lower_bound(request.start_after) : keys_.upper_bound(request.start_after);
      if (it != keys_.end() && (after == keys_.end() || *it < *after)) it = after;
    }
    std::string last_prefix;
    std::size_t entries = 0;
    for (; it != keys_.end() && it->starts_with(request.prefix); ++it) {
      std::string sub;
      if (request.delimiter) {
        auto slash = it->find('/', request.prefix.size());
        if (slash != std::string::npos) sub = it->substr(0, slash + 1);
        // Keys rolled up into the prefix just reported: a page never ends inside one, so that
        // the next page does not report it again (as S3 and GCS tokens do).
        if (!sub.empty() && sub == last_prefix) continue;
      }
      if (entries == request.page_size) {
        page.next_token = *it;
        break;
      }
      if (!sub.empty()) {
        last_prefix = sub;
        if (drop_early_prefixes_ && !request.start_after.empty() && sub <= request.start_after) continue;
        page.common_prefixes.push_back(sub);
        ++entries;
        continue;
      }
      page.objects.push_back(ObjectMeta{*it});
      ++entries;
    }
    return page;
  }

  std::mutex keys_mutex_;
  std::set<std::string> keys_;           // guarded by keys_mutex_
  std::vector<int> sent_when_answered_;  // guarded by keys_mutex_
  std::atomic<int> requests_{0};
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;                      // guarded by threads_mutex_
  std::mt19937 rng_{7};                                   // guarded by threads_mutex_
  bool drop_early_prefixes_ = false;                      // set before any listing starts
  bool inclusive_start_ = false;                          // set before any listing starts
  bool ignore_start_after_ = false;                       // set before any listing starts
  std::optional<std::chrono::milliseconds> fixed_delay_;  // set before any listing starts
};

struct Outcome {
  std::multiset<std::string> keys;
  ParallelListStats stats;
  std::optional<Error> error;
  std::vector<bool> last;  // ListPage::last of each page, in order
};

Outcome list_everything(MemoryBucket& bucket, ListCapabilities caps, const std::string& prefix, std::size_t parallelism,
                        std::size_t page_size, KeyRange range = {}) {
  ParallelListSettings settings;
  settings.parallelism = parallelism;
  settings.page_size = page_size;
  if (range.after || range.upto) settings.ranges.push_back(std::move(range));
  auto stream = make_parallel_list(bucket.fetch(), caps, prefix, settings);
  Outcome out;
  while (true) {
    auto page = stream->next();
    if (!page) {
      out.error = page.error();
      break;
    }
    if (!page->has_value()) break;
    // A page said to be the last is followed by the end, whatever the parallelism.
    EXPECT_TRUE(out.last.empty() || !out.last.back()) << "a page came after the one marked last";
    out.last.push_back((*page)->last);
    for (auto& meta : (*page)->objects) out.keys.insert(meta.key);
  }
  out.stats = stream->stats();
  return out;
}

std::set<std::string> hex_keys(std::size_t n, const std::string& prefix, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::string> keys;
  while (keys.size() < n) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    keys.insert(prefix + buf + ".tif");
  }
  return keys;
}

std::set<std::string> tree_keys() {
  std::set<std::string> keys;
  for (int zone = 1; zone <= 12; ++zone) {
    for (char band : std::string("CDEFGH")) {
      for (int square = 0; square < 5; ++square) {
        for (int scene = 0; scene < 4; ++scene) {
          keys.insert("tiles/" + std::to_string(zone) + "/" + band + "/S" + std::to_string(square) + "/2024/" +
                      std::to_string(scene) + "/B01.tif");
        }
      }
    }
  }
  return keys;
}

void expect_exactly(const Outcome& outcome, const std::set<std::string>& expected) {
  ASSERT_FALSE(outcome.error.has_value()) << outcome.error->describe();
  EXPECT_EQ(outcome.keys.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(outcome.keys.begin(), outcome.keys.end()), expected);
}

TEST(SplitKey, MidpointsLieStrictlyInsideAndFollowTheAlphabet) {
  const std::string hex = "0123456789abcdef";
  auto mid = split_key("p/", "p/0", std::nullopt, hex);
  ASSERT_TRUE(mid.has_value());
  EXPECT_GT(*mid, "p/0");
  EXPECT_EQ(mid->substr(0, 3), "p/8");  // half of the hex space
  auto inner = split_key("p/", "p/4000", std::string("p/8000"), hex);
  ASSERT_TRUE(inner.has_value());
  EXPECT_GT(*inner, "p/4000");
  EXPECT_LT(*inner, "p/8000");
  EXPECT_FALSE(split_key("p/", "p/abc", std::string("p/abc"), hex).has_value());
  EXPECT_LT(key_place("p/", "p/0", hex), key_place("p/", "p/8", hex));
}

TEST(ParallelList, OneStreamWithoutParallelismIsSequential) {
  auto keys = hex_keys(500, "", 1);
  MemoryBucket bucket(keys);
  auto out = list_everything(bucket, {true, true}, "", 1, 100);
  expect_exactly(out, keys);
  EXPECT_EQ(out.stats.requests, 5U);
  EXPECT_EQ(out.stats.max_in_flight, 1U);
  // Sequential pages: only the one after which the service sent no token is the last (the
  // shard plan's sampling relies on it, since a service may send fewer keys than asked).
  EXPECT_EQ(out.last, (std::vector<bool>{false, false, false, false, true}));
  auto capped = list_everything(bucket, {true, true}, "", 1, 1000);
  EXPECT_EQ(capped.last, (std::vector<bool>{true}));
}

TEST(ParallelList, FlatHexFolderIsSplitByKeyRanges) {
  auto keys = hex_keys(5000, "flat/", 2);
  MemoryBucket bucket(keys);
  auto out = list_everything(bucket, {true, true}, "flat/", 16, 50);
  expect_exactly(out, keys);
  EXPECT_GT(out.stats.splits, 8U);
  EXPECT_EQ(out.stats.max_in_flight, 16U);
  // 100 full pages; each split costs at most one partly wasted page.
  EXPECT_LE(out.stats.requests, 100U + out.stats.splits + 2);
}

// Idle slots are filled in one page round, not one halving a round: once the server has
// answered a start-after query, the running range is cut into one piece per idle slot. With
// every page 30 ms late, the first page comes back alone, the second round is the range's
// continuation and one half; when the half's page shows start-after honoured, the rest is cut at
// once. Halving one range per round would have sent 2, 4, 8 requests by the 2nd, 4th, 8th answer.
TEST(ParallelList, IdleSlotsAreFilledInOneRound) {
  auto keys = hex_keys(5000, "flat/", 4);
  MemoryBucket bucket(keys);
  bucket.fixed_delay(std::chrono::milliseconds(30));
  auto out = list_everything(bucket, {true, true}, "flat/", 16, 50);
  expect_exactly(out, keys);
  const auto sent = bucket.sent_when_answered();
  ASSERT_GE(sent.size(), 4U);
  // By the 4th answer (the third round), every slot has had a request.
  EXPECT_GE(sent[3], 16) << "requests sent by the 4th answer: " << sent[3];
  EXPECT_EQ(out.stats.max_in_flight, 16U);
  // 100 full pages; each piece costs at most one partly used page.
  EXPECT_LE(out.stats.requests, 100U + out.stats.splits + 2);
}

// The tasks a listing holds are bounded by those open at once, not by the cuts it makes: an
// ended task's slot is taken by the next one (a listing of 10^8 keys makes tens of thousands of
// cuts).
TEST(ParallelList, TasksHeldStayBoundedWhateverTheCuts) {
  auto keys = hex_keys(20000, "flat/", 6);
  MemoryBucket bucket(keys);
  auto out = list_everything(bucket, {true, true}, "flat/", 8, 20);
  expect_exactly(out, keys);
  // Without slots taken again it would hold one task per cut and the first.
  EXPECT_GT(out.stats.splits, 2U * 8U + 1U) << "too few cuts for the bound below to mean anything";
  EXPECT_LE(out.stats.task_slots, 2U * 8U + 1U);
}

// One listing over parts of several prefixes (a shard's ranges of many prefixes, ListOptions::
// parts): every key of the parts once, none of the prefixes left out or of the ranges not given,
// and the parts share the requests (more in flight than parts).
TEST(ParallelList, PartsOfSeveralPrefixesAreListedAsOne) {
  auto a = hex_keys(3000, "a/", 11);
  auto b = hex_keys(3000, "b/", 12);
  auto c = hex_keys(500, "c/", 13);
  std::set<std::string> all = a;
  all.insert(b.begin(), b.end());
  all.insert(c.begin(), c.end());
  MemoryBucket bucket(all);
  ParallelListSettings settings;
  settings.parallelism = 16;
  settings.page_size = 50;
  // a/: two ranges, (.., a/4] and (a/8, ..]; b/: all of it; c/: not a part.
  settings.parts.push_back(ListPart{"a/", {KeyRange{std::nullopt, "a/4"}, KeyRange{"a/8", std::nullopt}}, nullptr});
  settings.parts.push_back(ListPart{"b/", {}, nullptr});
  auto stream = make_parallel_list(bucket.fetch(), {true, true}, "", settings);
  std::multiset<std::string> listed;
  while (true) {
    auto page = stream->next();
    ASSERT_TRUE(page) << page.error().describe();
    if (!page->has_value()) break;
    for (auto& meta : (*page)->objects) listed.insert(meta.key);
  }
  std::set<std::string> expected = b;
  for (const auto& key : a) {
    if (key <= "a/4" || key > "a/8") expected.insert(key);
  }
  EXPECT_EQ(listed.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), expected);
  EXPECT_EQ(stream->stats().max_in_flight, 16U);
}

// A listing smaller than the parallelism allows is not cut into empty ranges: only a task whose
// page came back full is split, and only once per page, so the requests stay near the pages.
TEST(ParallelList, ASmallListingIsNotSplitIntoEmptyRanges) {
  auto keys = hex_keys(25, "small/", 3);
  MemoryBucket bucket(keys);
  auto out = list_everything(bucket, {true, true}, "small/", 32, 4);
  expect_exactly(out, keys);
  // 7 pages in sequence; a split costs at most one partly used page more.
  EXPECT_LE(out.stats.requests, 7U + out.stats.splits + 1);
  EXPECT_LE(out.stats.requests, 2U * 7U);
}

// A server that ignores start-after answers a range task from the prefix's start: the listing
// notices, stops splitting, and still gives every key once, at a bounded cost.
TEST(ParallelList, AServerThatIgnoresStartAfterStillListsEveryKeyOnce) {
  auto keys = hex_keys(2000, "flat/", 5);
  MemoryBucket bucket(keys);
  bucket.ignore_start_after();
  auto out = list_everything(bucket, {true, true}, "flat/", 16, 50);
  expect_exactly(out, keys);
  // 40 pages in sequence; the splits made before the server was found out cost at most a full
  // listing each.
  EXPECT_LE(out.stats.splits, 8U);
  EXPECT_LE(out.stats.requests, 40U * (out.stats.splits + 1) + 2);
}

TEST(ParallelList, TreeIsExpandedThenListedInFullPages) {
  auto keys = tree_keys();
  MemoryBucket bucket(keys);
  auto out = list_everything(bucket, {true, false}, "tiles/", 8, 1000);
  expect_exactly(out, keys);
  EXPECT_GT(out.stats.expansions, 1U);
  EXPECT_EQ(out.stats.splits, 0U);  // no start-after: tree only
  EXPECT_GE(out.stats.max_in_flight, 8U);
}

// With start-after, a tree level is cut into key ranges at its sub-prefixes, each spanning
// several sibling subtrees: the pages stay nearly full (one partial page per range) instead of one
// partial page per small subtree.
TEST(ParallelList, TreeWithStartAfterIsCutIntoRangesOfSiblingSubtrees) {
  auto keys = tree_keys();  // 1,440 keys in 360 leaf folders of 4
  MemoryBucket bucket(keys);
  auto out = list_everything(bucket, {true, true}, "tiles/", 8, 100);
  expect_exactly(out, keys);
  EXPECT_GT(out.stats.expansions, 0U);
  EXPECT_GE(out.stats.max_in_flight, 8U);
  // 15 full pages in sequence; the cut costs the level pages it read and a partial page per range
  // (at most 2 x 8 ranges at a time), far from the 360 a task per leaf folder would send.
  EXPECT_LE(out.stats.requests, 15U + 3U * 16U);
  // The same keys from servers that drop common prefixes before start-after (moto 5) or start
  // at start-after itself (GCS), with a lower bound inside a folder.
  for (int mode = 0; mode < 2; ++mode) {
    MemoryBucket odd(keys);
    if (mode == 0) odd.drop_prefixes_before_start_after();
    if (mode == 1) odd.inclusive_start();
    KeyRange range;
    range.after = "tiles/3/E/S2/2024/1/B01.tif";
    std::set<std::string> expected;
    for (const auto& key : keys) {
      if (range.contains(key)) expected.insert(key);
    }
    expect_exactly(list_everything(odd, {true, true}, "tiles/", 8, 20, range), expected);
  }
}

TEST(ParallelList, AdversarialKeySets) {
  std::vector<std::set<std::string>> cases;
  // Keys that are prefixes of other keys, folders named like files, '/' runs.
  cases.push_back({"a", "a/", "a/b", "a/b/", "a/b/c", "ab", "a//b", "a0", "b", "b/", "~", "\x7f"});
  // Non-ASCII and percent-encoded-looking names, bytes above 0x7f.
  cases.push_back({"caf\xc3\xa9/x.tif", "c%FF.tif", "c%C3%BF.tif", "c\xc3\xbf.tif", "\xe6\x97\xa5/1",
                   "\xf0\x9f\x98\x80", "z", " space", "!bang"});
  // Skewed: one huge folder, many tiny ones, and deep nesting.
  std::set<std::string> skewed = hex_keys(1000, "big/", 3);
  for (int i = 0; i < 50; ++i) skewed.insert("small" + std::to_string(i) + "/only.tif");
  std::string deep = "deep";
  for (int i = 0; i < 40; ++i) {
    deep += "/" + std::to_string(i);
    skewed.insert(deep + ".tif");
  }
  cases.push_back(skewed);
  // Everything under one single-character alphabet (the split has little to work with).
  std::set<std::string> same;
  for (int i = 1; i <= 300; ++i) same.insert(std::string(static_cast<std::size_t>(i), 'a'));
  cases.push_back(same);
  for (const auto& keys : cases) {
    for (std::size_t parallelism : {1, 3, 16}) {
      for (ListCapabilities caps : {ListCapabilities{true, true}, ListCapabilities{true, false},
                                    ListCapabilities{false, true}, ListCapabilities{false, false}}) {
        MemoryBucket bucket(keys);
        SCOPED_TRACE("parallelism " + std::to_string(parallelism) + " delimiter " + std::to_string(caps.delimiter) +
                     " start_after " + std::to_string(caps.start_after) + " keys " + std::to_string(keys.size()));
        expect_exactly(list_everything(bucket, caps, "", parallelism, 7), keys);
      }
    }
  }
}

TEST(ParallelList, RangesPartitionTheKeysExactly) {
  auto keys = hex_keys(2000, "", 4);
  keys.insert("8");  // a key equal to a boundary belongs to the range it ends
  std::vector<std::string> bounds = {"3", "8", "8\x01", "c"};
  std::multiset<std::string> all;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    KeyRange range;
    if (i > 0) range.after = bounds[i - 1];
    if (i < bounds.size()) range.upto = bounds[i];
    MemoryBucket bucket(keys);
    auto out = list_everything(bucket, {true, true}, "", 8, 40, range);
    ASSERT_FALSE(out.error.has_value());
    for (const auto& key : out.keys) EXPECT_TRUE(range.contains(key)) << key;
    all.insert(out.keys.begin(), out.keys.end());
  }
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()), keys);
  EXPECT_EQ(all.size(), keys.size());
}

TEST(ParallelList, BucketChangingDuringTheListingNeverGivesAKeyTwice) {
  auto keys = hex_keys(3000, "", 5);
  MemoryBucket bucket(keys);
  ParallelListSettings settings;
  settings.parallelism = 12;
  settings.page_size = 30;
  auto stream = make_parallel_list(bucket.fetch(), {true, true}, "", settings);
  std::multiset<std::string> seen;
  std::mt19937_64 rng(9);
  std::set<std::string> added;
  int round = 0;
  while (true) {
    auto page = stream->next();
    ASSERT_TRUE(page.ok());
    if (!page->has_value()) break;
    for (auto& meta : (*page)->objects) seen.insert(meta.key);
    if (++round % 3 == 0) {  // add and remove keys everywhere while pages are in flight
      char buf[17];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
      bucket.insert(buf);
      added.insert(buf);
      bucket.erase(*std::next(keys.begin(), static_cast<long>(rng() % keys.size())));
    }
  }
  for (const auto& key : seen) EXPECT_EQ(seen.count(key), 1U) << key;
  for (const auto& key : seen) EXPECT_TRUE(keys.count(key) == 1 || added.count(key) == 1) << key;
}

TEST(ParallelList, RepeatedTokensStopTheListing) {
  // A server whose token never changes.
  std::vector<std::thread> threads;
  AsyncPageFetch looping = [&threads](const PageRequest&, std::function<void(Result<Page>)> done) {
    threads.emplace_back([done = std::move(done)] { done(Page{{ObjectMeta{"k"}}, "same"}); });
  };
  {
    auto stream = make_parallel_list(looping, {false, false}, "", {});
    auto first = stream->next();
    ASSERT_TRUE(first.ok());
    Result<std::optional<ListPage>> second = stream->next();
    EXPECT_FALSE(second.ok());
  }
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace tdump::store

namespace tdump::store {
namespace {

// Found by tests/store/conformance_test.cpp against moto: a range whose lower bound lies inside a
// folder lost that folder's later keys when the server drops common prefixes sorting before
// start-after. Both server behaviours must give every key in the range once.
TEST(ParallelList, ALowerBoundInsideAFolderKeepsThatFoldersLaterKeys) {
  std::set<std::string> keys;
  for (const std::string folder : {"2024-01/", "2024-02/", "2024-02/x/", "b/", ""}) {
    for (int i = 0; i < 6; ++i) keys.insert(folder + "k" + std::to_string(i) + ".tif");
  }
  const KeyRange range{.after = "2024-01/k3.tif", .upto = "2024-02/x/k1.tif"};
  std::multiset<std::string> expected;
  for (const auto& key : keys) {
    if (range.contains(key)) expected.insert(key);
  }
  for (const bool drop : {false, true}) {
    SCOPED_TRACE(drop ? "server drops early common prefixes" : "S3-like server");
    MemoryBucket bucket(keys);
    if (drop) bucket.drop_prefixes_before_start_after();
    const ListCapabilities caps{.delimiter = true, .start_after = true};
    for (std::size_t parallelism : {1U, 4U}) {
      auto outcome = list_everything(bucket, caps, "", parallelism, 2, range);
      ASSERT_FALSE(outcome.error) << outcome.error->describe();
      EXPECT_EQ(outcome.keys, expected) << "parallelism " << parallelism;
    }
  }
}

// GCS's startOffset is inclusive: a listing restarted after its last key gets that key again.
// It is dropped silently; the "not in increasing order" count is for servers that misbehave.
TEST(ParallelList, AnInclusiveStartIsNotCountedAsAKeyOutOfOrder) {
  const auto keys = hex_keys(300, "", 5);
  MemoryBucket bucket(keys);
  bucket.inclusive_start();
  const ListCapabilities caps{.delimiter = true, .start_after = true};
  auto outcome = list_everything(bucket, caps, "", 4, 10);
  ASSERT_FALSE(outcome.error) << outcome.error->describe();
  EXPECT_EQ(outcome.keys, std::multiset<std::string>(keys.begin(), keys.end()));
  EXPECT_GT(outcome.stats.requests, 30U);
  EXPECT_EQ(outcome.stats.skipped_keys, 0U);
}

}  // namespace
}  // namespace tdump::store
