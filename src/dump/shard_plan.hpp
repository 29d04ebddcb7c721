#pragma once
// Shards that list only their part of the bucket.
//
// A plan splits the key space of each listed prefix into ranges (keys k with after < k <= upto,
// byte order) and deals them out: range j of the plan belongs to shard j mod N. The ranges of a
// prefix partition its key space (the first is open below, the last open above, the bounds are
// shared), so every key belongs to exactly one range and hence to exactly one shard, whatever
// the bucket holds when each shard lists: a key added or removed between two shards' starts is
// listed by the one shard that owns its range, or by none if it is gone by then.
//
// The plan is made once per OUT_DIR and written there with a create-only write (a conditional
// PUT; link() locally): the first shard (or `tiff-dumper plan`) to write it wins, and every
// shard, rerun or resumed attempt reads and uses that one. It is made by sampling: the first
// page of each prefix, then pages that start at points spread over the key space (bisection
// order, skipping points a page already covered), from which the keys' density is estimated and
// the bounds are put at equal-count quantiles. The sampled points are spread in the alphabet of the
// first page. The stretches between pages and the bounds are measured in the shape of every name
// the pages showed (store/common/key_shape.hpp: how often each letter takes each place of a
// name) when the pages fit it clearly better than one alphabet (their densities differ less: a
// tree), and the shape is then kept in the plan for the shards' own splits; else (a flat folder
// of random names) in one alphabet. Sampling reads at most 128 pages for the whole plan (or
// one a prefix, when there are more prefixes), the prefixes side by side with `parallelism`
// pages in flight in all; a prefix that fits in one page is one range. With at least
// `parallelism` ranges' worth of prefixes for every shard, nothing is sampled: the prefixes are
// dealt out whole.
//
// Only stores that can start a listing after any key (S3, GCS) get a plan; for the others the
// shards keep dividing the keys by a hash of each key (every shard then lists everything).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "output/output_storage.hpp"
#include "store/common/key_shape.hpp"
#include "store/object_store.hpp"

namespace tdump::dump {

inline constexpr std::string_view kPlanName = "_tiff_dumper/plan.json";

struct PrefixPlan {
  std::string prefix;
  // Ranges (bounds[i-1], bounds[i]]: the first open below, the last open above; empty bounds:
  // the whole prefix is one range.
  std::vector<std::string> bounds;
  // The shape of the key names its sampled pages showed (store/common/key_shape.hpp), when the
  // plan was measured in it: a shard splits its running ranges at places measured in it. Null
  // when nothing was sampled or one alphabet fitted the pages as well.
  std::shared_ptr<const store::KeyShape> shape;
};

// One range of a shard's plan.
struct PlanRange {
  std::string prefix;
  store::KeyRange range;
  std::shared_ptr<const store::KeyShape> shape;  // the prefix's
};

struct ShardPlan {
  std::uint32_t shards = 1;
  std::string run;  // the run's fingerprint
  std::vector<PrefixPlan> prefixes;
  std::uint64_t sample_requests = 0;  // LIST requests the sampling sent

  // The (prefix, range) items shard `index` lists.
  [[nodiscard]] std::vector<PlanRange> ranges_of(std::uint32_t index) const;
  [[nodiscard]] std::size_t range_count() const;
  [[nodiscard]] std::string to_json() const;
  static Result<ShardPlan> from_json(std::string_view text);
};

struct PlanSettings {
  std::uint32_t shards = 1;
  std::size_t page_size = 1000;
  std::size_t parallelism = 32;  // sample pages in flight at once
  std::string run;               // fingerprint
  bool write = true;             // false (a dry run): a plan not yet in OUT_DIR is made but not written
};

// Samples the store and makes a plan for `prefixes` (already normalised: none inside another).
Result<ShardPlan> make_shard_plan(store::ObjectStore& store, const std::vector<std::string>& prefixes,
                                  const PlanSettings& settings);

struct LoadedPlan {
  ShardPlan plan;
  bool made_here = false;  // this call sampled it (and wrote it, unless settings.write is false)
};

// OUT_DIR's plan: read when there, else made and created (if another writer won meanwhile, its
// plan is read and used); a dry run makes it without writing it. An existing plan for another run or another shard
// count is an error naming both.
Result<LoadedPlan> load_or_make_plan(output::OutputStorage& out, store::ObjectStore& store,
                                     const std::vector<std::string>& prefixes, const PlanSettings& settings);

}  // namespace tdump::dump
