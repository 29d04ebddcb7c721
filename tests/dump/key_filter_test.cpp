#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dump/key_filter.hpp"

namespace tdump::dump {
namespace {

TEST(KeyFilter, SuffixesAreCaseInsensitive) {
  KeyFilter filter({.suffixes = {".tif", ".tiff"}});
  EXPECT_TRUE(filter.accepts("a/b.tif"));
  EXPECT_TRUE(filter.accepts("a/b.TIF"));
  EXPECT_TRUE(filter.accepts("a/b.TiFf"));
  EXPECT_FALSE(filter.accepts("a/b.tif.aux.xml"));
  EXPECT_FALSE(filter.accepts("a/b.jp2"));
  EXPECT_FALSE(filter.accepts("tif"));
}

TEST(KeyFilter, EmptySuffixListKeepsEverything) {
  KeyFilter filter({});
  EXPECT_TRUE(filter.accepts("README"));
}

TEST(KeyFilter, IncludeAndExcludeGlobs) {
  KeyFilter filter({.suffixes = {".tif"}, .include = {"*/B0?.tif", "*TCI*"}, .exclude = {"*/tmp/*"}});
  EXPECT_TRUE(filter.accepts("s2/12/B04.tif"));
  EXPECT_TRUE(filter.accepts("s2/12/TCI.tif"));
  EXPECT_FALSE(filter.accepts("s2/12/B11.tif"));
  EXPECT_FALSE(filter.accepts("s2/tmp/B04.tif"));
}

TEST(KeyFilter, ShardsAreDisjointAndCoverEverything) {
  constexpr std::uint32_t kShards = 4;
  std::map<std::uint32_t, int> per_shard;
  for (int i = 0; i < 10000; ++i) {
    std::string key = "prefix/" + std::to_string(i) + ".tif";
    int owners = 0;
    for (std::uint32_t s = 0; s < kShards; ++s) {
      KeyFilter filter({.shard = {s, kShards}});
      if (filter.accepts(key)) {
        ++owners;
        ++per_shard[s];
      }
    }
    EXPECT_EQ(owners, 1) << key;
  }
  for (std::uint32_t s = 0; s < kShards; ++s) {
    EXPECT_GT(per_shard[s], 2000) << "shard " << s << " is starved";
    EXPECT_LT(per_shard[s], 3000) << "shard " << s << " is overloaded";
  }
}

TEST(KeyFilter, StableHashIsFnv1aWithAvalanche) {
  // FNV-1a 64 of "" is the offset basis 0xcbf29ce484222325 (FNV spec); the avalanche is fixed.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  EXPECT_EQ(stable_key_hash(""), h);
  EXPECT_NE(stable_key_hash("a"), stable_key_hash("b"));
}

}  // namespace
}  // namespace tdump::dump
