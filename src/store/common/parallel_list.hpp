#pragma once
// Listing one prefix with many LIST requests in flight (real S3 answers a 1,000-key page in about
// 0.3 s, so one stream of pages yields ~3,300 keys/s). Two ways to cut the work, used together:
//
// - The tree: a listing with delimiter '/' returns a level's keys and its sub-prefixes. Where the
//   store can start after any key, the level's key space is cut into key ranges at some of its
//   sub-prefixes, each spanning several sibling subtrees and listed flat in full pages (the last
//   range keeps the delimiter and is cut again). Elsewhere each sub-prefix becomes a task of its
//   own, levels expanded only until there are enough tasks for the parallelism; the tasks then
//   list their whole subtree in full pages.
// - Key ranges: a task over a flat key space (hex or UUID names in one folder) is split while it
//   runs. When a slot is idle and nothing is queued, the running task with the most keys left (by
//   its own density so far; at least two pages, or, in the listing's tail, any whose last page
//   came back full) is cut into pieces: one per idle slot, at most one per two pages left, and
//   only halves until the server has shown it honours start-after. The cut keys divide what is
//   left in equal measure, interpolated in the shape of the key names (key_shape.hpp) where a
//   shard plan gives one, else in the alphabet the keys seen so far use. Boundaries are
//   exclusive below, inclusive above — a task lists keys k with after < k <= upto — so no key is
//   listed twice or missed: the running task stops at the first cut key, each piece starts after
//   the cut before it (S3 `start-after`).
//
// Pages are untrusted. Every task checks that its keys increase strictly in the service's order
// (a repeated or out-of-order key is skipped and counted, and one warning with the count and an
// example is logged when the listing ends: never a second row), that no continuation token
// comes back (a cycle would list forever; the 64-bit hashes of the tokens seen are remembered,
// up to kMaxRememberedTokens a task) and that a token is at most kMaxTokenBytes long. Keys come out in no
// global order. Pages are processed on the thread that calls next() (the engine's loop thread
// only delivers bodies), so the splitting logic is single-threaded; memory is bounded by the
// pages in flight (parallelism x one page).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/common/key_shape.hpp"
#include "store/common/paged_list.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

// What one LIST request asks for.
struct PageRequest {
  std::string prefix;       // store-relative
  bool delimiter = false;   // roll keys up at the next '/' (common prefixes)
  std::string start_after;  // store-relative key; "" = from the start of the prefix
  std::string token;        // continuation token of the previous page of the same listing
  std::size_t page_size = 1000;
};

// What a backend's listing can do besides pages of one prefix.
struct ListCapabilities {
  bool delimiter = false;    // common prefixes (S3 delimiter, GCS delimiter, Azure delimiter)
  bool start_after = false;  // begin after any key (S3 start-after, GCS startOffset)
  // The order the service lists in (paged_list.hpp). Only byte order lets a range task stop at
  // its upper bound; in another order keys outside the range are dropped instead.
  KeyOrder order = KeyOrder::kBytes;
};

// Fetches one page; `done` runs exactly once, on any thread.
using AsyncPageFetch = std::function<void(const PageRequest& request, std::function<void(Result<Page>)> done)>;

struct ParallelListSettings {
  std::size_t page_size = 1000;
  std::size_t parallelism = 1;  // LIST requests in flight at once for this listing
  // Only keys inside these (disjoint) ranges; empty: the whole prefix. Each range starts as a
  // task of its own, and the splits share `parallelism` among them as they run.
  std::vector<KeyRange> ranges;
  // Split points are measured in this shape where given (ListOptions::shape).
  std::shared_ptr<const KeyShape> shape;
  // Non-empty: these parts (prefix, ranges, shape each) instead of the prefix, `ranges` and
  // `shape` (ListOptions::parts).
  std::vector<ListPart> parts;
  // Names the listing in warnings and errors ("s3://bucket/prefix"); no credentials.
  std::string description;
};

// Statistics of a listing, for benchmarks and tests.
struct ParallelListStats {
  std::uint64_t requests = 0;
  std::uint64_t splits = 0;        // key-range splits made
  std::uint64_t expansions = 0;    // prefixes listed with the delimiter
  std::uint64_t skipped_keys = 0;  // repeated or out-of-order keys dropped
  std::uint64_t max_in_flight = 0;
  std::uint64_t task_slots = 0;  // tasks held at most (ended ones' slots are taken again)
};

class ParallelListStream : public ListStream {
 public:
  [[nodiscard]] virtual ParallelListStats stats() const = 0;
};

std::unique_ptr<ParallelListStream> make_parallel_list(AsyncPageFetch fetch, ListCapabilities capabilities,
                                                       const std::string& prefix, ParallelListSettings settings);

// The key that splits (lo, hi] in two halves, interpolated in `alphabet` (the sorted distinct
// bytes seen in keys so far) over the bytes after `common` (the prefix every key shares); nullopt
// when no key strictly between them can be found. `hi` nullopt: the end of the key space.
// Exposed for tests.
std::optional<std::string> split_key(const std::string& common, const std::string& lo,
                                     const std::optional<std::string>& hi, const std::string& alphabet);
// Where `key` lies in [0, 1) of the key space after `common`, interpolated in `alphabet` over
// its first bytes after `common` (monotone in byte order up to that precision), and the inverse:
// a key at a place. For splits and shard plans.
double key_place(const std::string& common, const std::string& key, const std::string& alphabet);
std::string key_at_place(const std::string& common, double where, const std::string& alphabet);

}  // namespace tdump::store
