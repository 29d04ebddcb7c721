#include "dump/shard_plan.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>

#include "store/common/parallel_list.hpp"
#include "store/common/url.hpp"

namespace tdump::dump {
namespace {

// Sampled pages a plan may read in all: its prefixes share them, each reading at least its first.
constexpr std::size_t kMaxProbes = 128;
// Ranges a shard gets: one for each of its LIST requests in flight (its list_parallelism, within
// these bounds), so that a shard starts with every request busy on a range of its own, listed
// flat in full pages; more ranges than shards also even a skew out across the shards. Each range
// costs at most one partial page at its end.
constexpr std::size_t kMinRangesPerShard = 8;
constexpr std::size_t kMaxRangesPerShard = 64;

// One sampled page: the keys after `after` (exact: no key between them is missing).
struct Probe {
  std::string after;  // "" for the start of the prefix
  std::vector<std::string> keys;
  bool reached_end = false;  // the page held the rest of the prefix
};

Result<Probe> probe(store::ObjectStore& store, const std::string& prefix, const std::string& after,
                    std::size_t page_size) {
  store::ListOptions options;
  options.page_size = page_size;
  options.parallelism = 1;
  if (!after.empty()) options.ranges.push_back(store::KeyRange{after, std::nullopt});
  auto stream = store.list(prefix, options);
  auto page = stream->next();
  if (!page) return std::move(page).error();
  Probe out;
  out.after = after;
  if (!page->has_value()) {
    out.reached_end = true;
    return out;
  }
  for (auto& meta : (*page)->objects) out.keys.push_back(std::move(meta.key));
  // The end only when the listing says so: a service may answer fewer keys than asked (S3 and
  // GCS send at most 1,000 a page while list_chunk_size defaults to 10,000), so a short page is
  // no sign of the end (taking it for one made every plan a single range).
  out.reached_end = (*page)->last;
  return out;
}

// The sorted distinct bytes of the keys after `prefix`.
std::string alphabet_of(const std::set<std::string>& keys, const std::string& prefix) {
  std::array<bool, 256> seen{};
  for (const auto& key : keys) {
    for (std::size_t i = prefix.size(); i < key.size() && i < prefix.size() + 16; ++i) {
      seen[static_cast<unsigned char>(key[i])] = true;
    }
  }
  std::string out;
  for (int c = 0; c < 256; ++c) {
    if (seen[static_cast<std::size_t>(c)]) out.push_back(static_cast<char>(c));
  }
  return out;
}

// A stretch of the key space (by place) and what is known of it: exact keys, or an estimate.
struct Stretch {
  double lo = 0;
  double hi = 0;
  double count = 0;
  std::vector<std::string> keys;  // exact stretches: every key in (lo, hi]
  bool exact = false;
};

class PrefixSampler {
 public:
  // `budget`: the pages it may read, its first included; `settings.parallelism`: at once.
  PrefixSampler(store::ObjectStore& store, std::string prefix, std::size_t ranges, std::size_t budget,
                const PlanSettings& settings)
      : store_(store), prefix_(std::move(prefix)), ranges_(ranges), budget_(budget), settings_(settings) {}

  Result<PrefixPlan> run() {
    PrefixPlan plan{prefix_, {}, nullptr};
    auto first = probe(store_, prefix_, "", settings_.page_size);
    ++requests_;
    if (!first) return std::move(first).error();
    if (first->reached_end || ranges_ <= 1) return plan;  // one page: one range
    add(std::move(*first));
    alphabet_ = alphabet_of(keys_, prefix_);
    // Points spread over the key space, coarse to fine; a point inside a stretch some page
    // already covered tells nothing new and is skipped.
    // Levels are gathered until a round of `parallelism` requests is full (each round costs a
    // page's latency: coarse levels alone would be rounds of 1, 2, 4... requests).
    const std::size_t budget = std::min(budget_, 8 * ranges_);
    const std::size_t width = std::max<std::size_t>(settings_.parallelism, 1);
    std::vector<std::string> points;

    for (std::size_t level = 1; requests_ < budget && level < 12; ++level) {
      const std::size_t parts = std::size_t{1} << level;
      for (std::size_t i = 1; i < parts && requests_ + points.size() < budget; i += 2) {
        const double where = static_cast<double>(i) / static_cast<double>(parts);
        if (covered(where)) continue;
        points.push_back(store::key_at_place(prefix_, where, alphabet_));
      }
      const bool last_level = level + 1 >= 12 || requests_ + points.size() >= budget;
      if (points.empty() || (points.size() < width && !last_level)) continue;
      auto status = probe_all(points);
      if (!status) return std::move(status).error();
      points.clear();
    }
    // The points above are spread in one alphabet: points spread in the shape would start pages
    // only at letters already seen, and never see the others.
    for (const auto& key : keys_) shape_.learn(key);  // in byte order
    shape_.seal();
    // The measure the pages fit better: the shape (a tree: '/' and letters fixed by place) or
    // one alphabet (a flat folder of random names, whose later places the pages, all begun at
    // round keys, show only in part).
    in_shape_ = false;
    const double alphabet_spread = density_spread();
    in_shape_ = true;
    const double shape_spread = density_spread();
    // Clearly better only: a flat folder's pages all differ from one alphabet's measure by about
    // the same factor, so both measures fit them alike, and its gaps are right in the alphabet.
    in_shape_ = shape_spread < 0.8 * alphabet_spread;
    plan.bounds = quantile_bounds();
    if (in_shape_) plan.shape = std::make_shared<const store::KeyShape>(shape_);
    return plan;
  }

  [[nodiscard]] std::uint64_t requests() const { return requests_; }

 private:
  void add(Probe probe) {
    Covered c;
    c.after = probe.after;
    c.last = probe.keys.empty() ? probe.after : probe.keys.back();
    c.to_end = probe.reached_end;
    for (auto& key : probe.keys) keys_.insert(std::move(key));
    covered_.push_back(std::move(c));
  }

  // Where a key lies in [0, 1) of the prefix's key space, and a key at a place, in the measure
  // chosen (in_shape_).
  [[nodiscard]] double at(const std::string& key) const {
    return in_shape_ ? shape_.place(prefix_, key) : store::key_place(prefix_, key, alphabet_);
  }
  [[nodiscard]] std::string key_at(double where) const {
    return in_shape_ ? shape_.key_at(prefix_, where) : store::key_at_place(prefix_, where, alphabet_);
  }

  // How far the density of keys differs between the pages read, in the current measure: the
  // standard deviation of its logarithm over the pages. A measure that fits the key names gives
  // every page about the same density.
  [[nodiscard]] double density_spread() const {
    double sum = 0;
    double squares = 0;
    double n = 0;
    for (const auto& s : stretches()) {
      if (!s.exact || s.count < 2 || s.hi <= s.lo) continue;
      const double d = std::log(s.count / (s.hi - s.lo));
      sum += d;
      squares += d * d;
      n += 1;
    }
    if (n < 2) return 0;
    const double mean = sum / n;
    return std::sqrt(std::max(squares / n - mean * mean, 0.0));
  }

  // Whether a page covered the point `where` (in the alphabet of the first page).
  [[nodiscard]] bool covered(double where) const {
    return std::any_of(covered_.begin(), covered_.end(), [&](const Covered& c) {
      const double lo = c.after.empty() ? 0.0 : store::key_place(prefix_, c.after, alphabet_);
      const double hi = c.to_end ? 1.0 : store::key_place(prefix_, c.last, alphabet_);
      return where >= lo && where <= hi;
    });
  }

  Status probe_all(const std::vector<std::string>& points) {
    std::vector<std::optional<Result<Probe>>> results(points.size());
    const std::size_t width = std::max<std::size_t>(settings_.parallelism, 1);
    for (std::size_t start = 0; start < points.size(); start += width) {
      std::vector<std::jthread> workers;
      for (std::size_t i = start; i < std::min(points.size(), start + width); ++i) {
        workers.emplace_back([&, i] { results[i] = probe(store_, prefix_, points[i], settings_.page_size); });
      }
    }
    requests_ += points.size();
    for (auto& result : results) {
      if (!*result) return std::move(*result).error();
      add(std::move(**result));
    }
    return {};
  }

  // The key space cut into stretches: where pages were read, the keys themselves; between them,
  // an estimate from the density of the pages on either side.
  [[nodiscard]] std::vector<Stretch> stretches() const {
    // Merge what the pages covered (a page may run into the next point's page).
    struct Span {
      std::string after;  // exclusive lower bound ("" = the prefix's start)
      std::string last;   // inclusive upper bound of what was read
      bool to_end = false;
    };
    std::vector<Covered> sorted = covered_;
    std::sort(sorted.begin(), sorted.end(), [](const Covered& a, const Covered& b) { return a.after < b.after; });
    std::vector<Span> spans;
    for (const auto& c : sorted) {
      if (!spans.empty() && (spans.back().to_end || c.after <= spans.back().last)) {
        if (!spans.back().to_end && (c.to_end || c.last > spans.back().last)) {
          spans.back().last = c.last;
          spans.back().to_end = c.to_end;
        }
        continue;
      }
      spans.push_back(Span{c.after, c.last, c.to_end});
    }
    std::vector<Stretch> out;
    double place = 0;
    for (const auto& span : spans) {
      const double lo = span.after.empty() ? 0.0 : at(span.after);
      const double hi = span.to_end ? 1.0 : at(span.last);
      if (lo > place) out.push_back(Stretch{place, lo, 0, {}, false});
      Stretch exact{lo, hi, 0, {}, true};
      auto from = span.after.empty() ? keys_.begin() : keys_.upper_bound(span.after);
      for (auto it = from; it != keys_.end() && (span.to_end || *it <= span.last); ++it) exact.keys.push_back(*it);
      exact.count = static_cast<double>(exact.keys.size());
      out.push_back(std::move(exact));
      place = std::max(place, hi);
    }
    if (place < 1.0 && (spans.empty() || !spans.back().to_end)) out.push_back(Stretch{place, 1.0, 0, {}, false});
    // Estimates for the gaps: the mean density of the exact stretches beside them.
    auto density = [](const Stretch& s) { return s.count / std::max(s.hi - s.lo, 1e-12); };
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i].exact) continue;
      double sum = 0;
      int n = 0;
      if (i > 0 && out[i - 1].exact) sum += density(out[i - 1]), ++n;
      if (i + 1 < out.size() && out[i + 1].exact) sum += density(out[i + 1]), ++n;
      out[i].count = n > 0 ? sum / n * (out[i].hi - out[i].lo) : 0;
    }
    return out;
  }

  [[nodiscard]] std::vector<std::string> quantile_bounds() const {
    const auto parts = stretches();
    double total = 0;
    for (const auto& s : parts) total += s.count;
    std::vector<std::string> bounds;
    if (total <= 0) return bounds;
    double before = 0;  // keys before the current stretch
    std::size_t next = 1;
    for (const auto& s : parts) {
      while (next < ranges_ && before + s.count >= total * static_cast<double>(next) / static_cast<double>(ranges_)) {
        const double target = total * static_cast<double>(next) / static_cast<double>(ranges_) - before;
        std::string bound;
        if (s.exact && !s.keys.empty()) {
          auto rank = static_cast<std::size_t>(std::clamp(std::ceil(target) - 1, 0.0, s.count - 1));
          bound = s.keys[rank];
        } else {
          const double share = s.count > 0 ? target / s.count : 0.5;
          bound = key_at(s.lo + share * (s.hi - s.lo));
        }
        if (bound > prefix_ && (bounds.empty() || bound > bounds.back())) bounds.push_back(std::move(bound));
        ++next;
      }
      before += s.count;
    }
    return bounds;
  }

  struct Covered {
    std::string after;
    std::string last;
    bool to_end = false;
  };

  store::ObjectStore& store_;
  std::string prefix_;
  std::size_t ranges_;
  std::size_t budget_;
  const PlanSettings& settings_;
  std::set<std::string> keys_;  // every key the pages showed
  std::vector<Covered> covered_;
  std::string alphabet_;   // of the first page: where points are sampled, and one of the two measures
  store::KeyShape shape_;  // of every page
  bool in_shape_ = false;  // stretches are measured in shape_, else in alphabet_
  std::uint64_t requests_ = 0;
};

// A stored key shape; null when it is malformed or out of KeyShape's bounds.
std::shared_ptr<const store::KeyShape> shape_from_json(const nlohmann::json& doc) {
  if (!doc.is_object() || !doc.contains("places") || !doc["places"].is_array() || !doc.contains("alphabet") ||
      !doc["alphabet"].is_string() || doc["places"].size() > store::KeyShape::kMaxSegments) {
    return nullptr;
  }
  std::vector<std::vector<store::KeyShape::Letters>> places;
  for (const auto& segment : doc["places"]) {
    if (!segment.is_array() || segment.size() > store::KeyShape::kMaxOffset) return nullptr;
    auto& offsets = places.emplace_back();
    for (const auto& place : segment) {
      // [letters, [count of each letter]]
      if (!place.is_array() || place.size() != 2 || !place[0].is_string() || !place[1].is_array() ||
          place[1].size() > 256) {
        return nullptr;
      }
      store::KeyShape::Letters seen;
      seen.letters = store::percent_decode(place[0].get<std::string>());
      for (const auto& count : place[1]) {
        if (!count.is_number_unsigned()) return nullptr;
        seen.counts.push_back(count.get<std::uint64_t>());
      }
      offsets.push_back(std::move(seen));
    }
  }
  auto shape = std::make_shared<store::KeyShape>();
  if (!shape->assign(std::move(places), store::percent_decode(doc["alphabet"].get<std::string>()))) return nullptr;
  return shape;
}

}  // namespace

std::vector<PlanRange> ShardPlan::ranges_of(std::uint32_t index) const {
  std::vector<PlanRange> out;
  std::size_t j = 0;
  for (const auto& p : prefixes) {
    for (std::size_t i = 0; i <= p.bounds.size(); ++i, ++j) {
      if (shards > 0 && j % shards != index) continue;
      store::KeyRange range;
      if (i > 0) range.after = p.bounds[i - 1];
      if (i < p.bounds.size()) range.upto = p.bounds[i];
      out.push_back(PlanRange{p.prefix, std::move(range), p.shape});
    }
  }
  return out;
}

std::size_t ShardPlan::range_count() const {
  std::size_t n = 0;
  for (const auto& p : prefixes) n += p.bounds.size() + 1;
  return n;
}

std::string ShardPlan::to_json() const {
  nlohmann::json doc;
  doc["tool"] = "tiff-dumper";
  doc["kind"] = "shard plan";
  doc["shards"] = shards;
  doc["run"] = run;
  doc["sample_requests"] = sample_requests;
  nlohmann::json list = nlohmann::json::array();
  // Keys are bytes (a listing may hold any): stored percent-encoded, so every byte round-trips.
  for (const auto& p : prefixes) {
    nlohmann::json bounds = nlohmann::json::array();
    for (const auto& b : p.bounds) bounds.push_back(store::percent_encode(b, true));
    nlohmann::json entry = {{"prefix", store::percent_encode(p.prefix, true)}, {"bounds", std::move(bounds)}};
    if (p.shape && !p.shape->empty()) {
      nlohmann::json places = nlohmann::json::array();
      for (const auto& segment : p.shape->places()) {
        nlohmann::json offsets = nlohmann::json::array();
        for (const auto& seen : segment) offsets.push_back({store::percent_encode(seen.letters, true), seen.counts});
        places.push_back(std::move(offsets));
      }
      entry["shape"] = {{"places", std::move(places)}, {"alphabet", store::percent_encode(p.shape->alphabet(), true)}};
    }
    list.push_back(std::move(entry));
  }
  doc["prefixes"] = std::move(list);
  doc["encoding"] = "percent";
  return doc.dump(2) + "\n";
}

Result<ShardPlan> ShardPlan::from_json(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kParse, "the shard plan is damaged: " + why); };
  if (!doc.is_object() || doc.value("kind", "") != "shard plan") return bad("not a shard plan");
  ShardPlan plan;
  if (!doc.contains("shards") || !doc["shards"].is_number_unsigned()) return bad("no shard count");
  plan.shards = doc["shards"].get<std::uint32_t>();
  plan.run = doc.value("run", "");
  plan.sample_requests = doc.value("sample_requests", std::uint64_t{0});
  if (!doc.contains("prefixes") || !doc["prefixes"].is_array()) return bad("no prefixes");
  for (const auto& p : doc["prefixes"]) {
    if (!p.is_object() || !p.contains("prefix") || !p["prefix"].is_string() || !p.contains("bounds") ||
        !p["bounds"].is_array()) {
      return bad("a prefix entry is malformed");
    }
    PrefixPlan prefix{store::percent_decode(p["prefix"].get<std::string>()), {}, nullptr};
    for (const auto& b : p["bounds"]) {
      if (!b.is_string()) return bad("a bound is not text");
      std::string bound = store::percent_decode(b.get<std::string>());
      if (!prefix.bounds.empty() && bound <= prefix.bounds.back()) return bad("bounds are not increasing");
      prefix.bounds.push_back(std::move(bound));
    }
    if (p.contains("shape")) {
      auto shape = shape_from_json(p["shape"]);
      if (!shape) return bad("a key shape is malformed");
      prefix.shape = std::move(shape);
    }
    plan.prefixes.push_back(std::move(prefix));
  }
  return plan;
}

Result<ShardPlan> make_shard_plan(store::ObjectStore& store, const std::vector<std::string>& prefixes,
                                  const PlanSettings& settings) {
  ShardPlan plan;
  plan.shards = std::max<std::uint32_t>(settings.shards, 1);
  plan.run = settings.run;
  // Many prefixes: dealt out whole; few: each cut so that there are several ranges per shard.
  const std::size_t per_shard = std::clamp<std::size_t>(settings.parallelism, kMinRangesPerShard, kMaxRangesPerShard);
  const std::size_t wanted = std::size_t{plan.shards} * per_shard;
  const std::size_t per_prefix = prefixes.size() >= wanted ? 1 : (wanted + prefixes.size() - 1) / prefixes.size();
  const bool sampled = per_prefix > 1 && store.lists_from_any_key();
  plan.prefixes.reserve(prefixes.size());
  for (const auto& prefix : prefixes) plan.prefixes.push_back(PrefixPlan{prefix, {}, nullptr});
  if (!sampled) return plan;
  // The prefixes share the sampling budget (each reads at least its first page), and are sampled
  // side by side, `parallelism` pages in flight in all: a plan over 60 prefixes sampled one after
  // another with 24 pages each read 1,440 pages in 44 s, more than listing them all once.
  const std::size_t budget = std::max<std::size_t>(1, kMaxProbes / prefixes.size());
  const std::size_t width = std::max<std::size_t>(settings.parallelism, 1);
  const std::size_t workers = std::min(width, prefixes.size());
  PlanSettings each = settings;
  each.parallelism = std::max<std::size_t>(1, width / workers);
  std::vector<std::optional<Result<PrefixPlan>>> results(prefixes.size());
  std::vector<std::uint64_t> requests(prefixes.size(), 0);
  std::atomic<std::size_t> next{0};
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w) {
      pool.emplace_back([&] {
        for (std::size_t i = next++; i < prefixes.size(); i = next++) {
          PrefixSampler sampler(store, prefixes[i], per_prefix, budget, each);
          results[i] = sampler.run();
          requests[i] = sampler.requests();
        }
      });
    }
  }
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    plan.sample_requests += requests[i];
    if (!*results[i]) return std::move(*results[i]).error();
    plan.prefixes[i] = std::move(**results[i]);
  }
  return plan;
}

Result<LoadedPlan> load_or_make_plan(output::OutputStorage& out, store::ObjectStore& store,
                                     const std::vector<std::string>& prefixes, const PlanSettings& settings) {
  auto read_existing = [&]() -> Result<std::optional<ShardPlan>> {
    auto listed = out.list(kPlanName);
    if (!listed) return std::move(listed).error();
    std::optional<ShardPlan> found;
    for (const auto& object : *listed) {
      if (object.name != kPlanName) continue;
      Status status = out.read_each({object}, [&](const output::StoredObject&, const std::string& bytes) -> Status {
        auto plan = ShardPlan::from_json(bytes);
        if (!plan) return std::move(plan).error();
        found = std::move(*plan);
        return {};
      });
      if (!status) return std::move(status).error();
    }
    return found;
  };
  auto check = [&](ShardPlan plan, bool made) -> Result<LoadedPlan> {
    if (plan.run != settings.run) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} holds the shard plan of another run ({}; this run is {})",
                                    out.describe(kPlanName), plan.run, settings.run));
    }
    if (plan.shards != settings.shards) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} was made for {} shards, and this run has {}: give the same shard count "
                                    "to every shard of a job (or use a new OUT_DIR)",
                                    out.describe(kPlanName), plan.shards, settings.shards));
    }
    return LoadedPlan{std::move(plan), made};
  };
  auto existing = read_existing();
  if (!existing) return std::move(existing).error();
  if (*existing) return check(std::move(**existing), false);
  auto made = make_shard_plan(store, prefixes, settings);
  if (!made) return std::move(made).error();
  if (!settings.write) return check(std::move(*made), true);
  auto created = out.create_if_absent(kPlanName, made->to_json());
  if (!created) return std::move(created).error();
  if (*created) return check(std::move(*made), true);
  // Another shard wrote its plan first: use that one, so that all agree.
  auto winner = read_existing();
  if (!winner) return std::move(winner).error();
  if (!*winner) return make_error(ErrorCode::kInternal, out.describe(kPlanName) + " exists but cannot be read");
  return check(std::move(**winner), false);
}

}  // namespace tdump::dump
