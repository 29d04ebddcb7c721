// KeyShape (store/common/key_shape.hpp): places measured in the letters each place of a name
// takes. The oracle is the key set itself: a split is judged by counting the real keys on each
// side of it, not by the shape's own arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/common/key_shape.hpp"
#include "store/common/parallel_list.hpp"

namespace tdump::store {
namespace {

// Keys laid out like a Sentinel-2 COG bucket (tiles/<zone>/<band>/<square>/<year>/<month>/<scene>/B01.tif),
// zones of one and two digits, a random subset of squares per band, a few scenes per square.
std::vector<std::string> sentinel_keys(std::uint32_t seed) {
  std::mt19937 rng(seed);
  const std::string bands = "CDEFGHJKLMNPQRSTUVWX";
  const std::string columns = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  const std::string rows = "ABCDEFGHJKLMNPQRSTUV";
  std::set<std::string> keys;
  for (int zone = 1; zone <= 60; zone += 1 + static_cast<int>(rng() % 3)) {
    for (const char band : bands) {
      if (rng() % 2 == 0) continue;
      for (const char column : columns) {
        for (const char row : rows) {
          if (rng() % 8 != 0) continue;
          const int year = 2017 + static_cast<int>(rng() % 8);
          const int month = 1 + static_cast<int>(rng() % 12);
          for (int day = 1; day <= 1 + static_cast<int>(rng() % 3); ++day) {
            char scene[64];
            std::snprintf(scene, sizeof scene, "S2A_%d%c%c%c_%d%02d%02d_0_L2A", zone, band, column, row, year, month,
                          day);
            keys.insert("tiles/" + std::to_string(zone) + "/" + band + "/" + column + row + "/" + std::to_string(year) +
                        "/" + std::to_string(month) + "/" + scene + "/B01.tif");
          }
        }
      }
    }
  }
  return {keys.begin(), keys.end()};
}

std::vector<std::string> hex_names(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::string> keys;
  while (keys.size() < n) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    keys.insert(std::string("flat/") + buf + ".tif");
  }
  return {keys.begin(), keys.end()};
}

// What a shard plan learns from: pages of `page` consecutive keys at `pages` points spread over
// the sorted keys.
KeyShape learned_from_pages(const std::vector<std::string>& keys, std::size_t pages, std::size_t page) {
  KeyShape shape;
  for (std::size_t p = 0; p < pages; ++p) {
    const std::size_t from = p * keys.size() / pages;
    for (std::size_t i = from; i < std::min(keys.size(), from + page); ++i) shape.learn(keys[i]);
  }
  shape.seal();
  return shape;
}

std::string common_prefix(const std::string& a, const std::string& b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return a.substr(0, n);
}

struct Balance {
  std::size_t ranges = 0;
  std::size_t failed = 0;       // no split found
  std::size_t lopsided = 0;     // the smaller side holds under a fifth of the range's keys
  std::vector<double> smaller;  // the smaller side's share, per range
};

// Splits ranges (keys[i], keys[j]] as a running listing does (its last key and its bound), and
// counts the real keys on each side.
template <typename Split>
Balance judge(const std::vector<std::string>& keys, std::uint32_t seed, const Split& split) {
  std::mt19937 rng(seed);
  Balance out;
  for (int n = 0; n < 400; ++n) {
    const std::size_t length = 2000 + rng() % 20000;
    if (length + 1 >= keys.size()) continue;
    const std::size_t i = rng() % (keys.size() - length);
    const std::size_t j = i + length;
    ++out.ranges;
    const auto mid = split(common_prefix(keys[i], keys[j]), keys[i], keys[j]);
    if (!mid) {
      ++out.failed;
      continue;
    }
    EXPECT_LT(keys[i], *mid);
    EXPECT_LT(*mid, keys[j]);
    const auto at = static_cast<std::size_t>(std::upper_bound(keys.begin(), keys.end(), *mid) - keys.begin());
    const double lower = static_cast<double>(at - i - 1) / static_cast<double>(length);
    const double share = std::min(lower, 1.0 - lower);
    out.smaller.push_back(share);
    if (share < 0.2) ++out.lopsided;
  }
  return out;
}

TEST(KeyShape, SplitsOfATreeLandInsideItsFolders) {
  const auto keys = sentinel_keys(11);
  ASSERT_GT(keys.size(), 30000U);
  const KeyShape shape = learned_from_pages(keys, 32, 1000);
  const auto by_shape = judge(keys, 5, [&](const std::string& common, const std::string& lo, const std::string& hi) {
    return shape.split(common, lo, std::optional<std::string>(hi));
  });
  // The same ranges split in one alphabet of every byte the pages showed (what a listing without
  // a plan does): shown for comparison, the shape must do clearly better.
  const std::string alphabet = shape.alphabet();
  const auto by_alphabet = judge(keys, 5, [&](const std::string& common, const std::string& lo, const std::string& hi) {
    return split_key(common, lo, std::optional<std::string>(hi), alphabet);
  });
  ASSERT_GT(by_shape.ranges, 300U);
  EXPECT_EQ(by_shape.failed, 0U);
  EXPECT_LE(by_shape.lopsided * 10, by_shape.ranges)
      << "more than a tenth of the splits leave under a fifth on one side";
  EXPECT_LT(by_shape.lopsided + by_shape.failed, by_alphabet.lopsided + by_alphabet.failed);
  std::printf("tree: %zu ranges; shape: %zu lopsided, %zu failed; one alphabet: %zu lopsided, %zu failed\n",
              by_shape.ranges, by_shape.lopsided, by_shape.failed, by_alphabet.lopsided, by_alphabet.failed);
}

TEST(KeyShape, AFlatFolderSplitsInHalves) {
  const auto keys = hex_names(50000, 3);
  const KeyShape shape = learned_from_pages(keys, 32, 1000);
  const auto balance = judge(keys, 6, [&](const std::string& common, const std::string& lo, const std::string& hi) {
    return shape.split(common, lo, std::optional<std::string>(hi));
  });
  EXPECT_EQ(balance.failed, 0U);
  EXPECT_EQ(balance.lopsided, 0U);
  // Open above: the middle of what is left after a key, counted in the real keys.
  const auto mid = shape.split("flat/", "flat/0", std::nullopt);
  ASSERT_TRUE(mid.has_value());
  const auto below = static_cast<double>(std::upper_bound(keys.begin(), keys.end(), *mid) - keys.begin());
  EXPECT_GT(below / static_cast<double>(keys.size()), 0.4) << *mid;
  EXPECT_LT(below / static_cast<double>(keys.size()), 0.6) << *mid;
}

TEST(KeyShape, PlacesFollowByteOrder) {
  for (const auto& keys : {sentinel_keys(12), hex_names(5000, 4)}) {
    KeyShape shape;
    for (const auto& key : keys) shape.learn(key);
    shape.seal();
    double before = -1;
    std::string previous;
    for (const auto& key : keys) {
      const double at = shape.place("", key);
      EXPECT_GE(at, 0.0);
      EXPECT_LT(at, 1.0);
      EXPECT_GE(at, before) << previous << " then " << key;
      before = at;
      previous = key;
    }
  }
}

TEST(KeyShape, StoredLettersRoundTripAndAreChecked) {
  const auto keys = sentinel_keys(13);
  const KeyShape shape = learned_from_pages(keys, 8, 200);
  KeyShape copy;
  ASSERT_TRUE(copy.assign(shape.places(), shape.alphabet()));
  EXPECT_EQ(copy.places(), shape.places());
  for (std::size_t i = 0; i < keys.size(); i += 997) EXPECT_EQ(copy.place("", keys[i]), shape.place("", keys[i]));
  KeyShape bad;
  using L = KeyShape::Letters;
  EXPECT_TRUE(bad.assign({{L{"ab", {1, 2}}}}, "ab"));
  EXPECT_FALSE(bad.assign({{L{"ba", {1, 2}}}}, "ab"));  // not sorted
  EXPECT_FALSE(bad.assign({{L{"aa", {1, 2}}}}, "a"));   // repeated
  EXPECT_FALSE(bad.assign({{L{"b", {1}}}}, "a"));       // a letter the alphabet lacks
  EXPECT_FALSE(bad.assign({{L{"ab", {1}}}}, "ab"));     // a count missing
  EXPECT_FALSE(bad.assign({{L{"ab", {1, 0}}}}, "ab"));  // a letter never seen
  EXPECT_TRUE(bad.empty());
  std::vector<std::vector<L>> too_many(KeyShape::kMaxSegments + 1, std::vector<L>{L{"a", {1}}});
  EXPECT_FALSE(bad.assign(too_many, "a"));
  // An empty shape measures in printable ASCII and still splits strictly inside.
  const KeyShape none;
  const auto mid = none.split("", "a", std::string("b"));
  ASSERT_TRUE(mid.has_value());
  EXPECT_GT(*mid, "a");
  EXPECT_LT(*mid, "b");
}

}  // namespace
}  // namespace tdump::store
