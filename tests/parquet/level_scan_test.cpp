// The eight-at-a-time level scans against plain byte loops, on random data with long runs.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "parquet/level_scan.hpp"

namespace tdump::parquet {
namespace {

TEST(LevelScan, MatchesByteLoops) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::uint8_t> v;
    const int runs = static_cast<int>(rng() % 20);
    for (int r = 0; r < runs; ++r)
      v.insert(v.end(), rng() % 40, static_cast<std::uint8_t>(rng() % 4 == 0 ? 255 : rng() % 3));
    const std::size_t n = v.size();
    for (std::uint8_t x : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{255}}) {
      std::size_t expected = 0;
      for (auto b : v) expected += b == x ? 1 : 0;
      ASSERT_EQ(count_equal(v.data(), n, x), expected);
      for (std::size_t start = 0; start < n; start += 7) {
        std::size_t run = 0;
        while (start + run < n && v[start + run] == x) ++run;
        ASSERT_EQ(run_length(v.data() + start, n - start, x), run);
      }
    }
    std::vector<std::size_t> zeros;
    for (std::size_t i = 0; i < n; ++i) {
      if (v[i] == 0) zeros.push_back(i);
    }
    for (std::size_t k = 0; k <= zeros.size(); ++k) {
      ASSERT_EQ(find_nth_zero(v.data(), n, k), k < zeros.size() ? zeros[k] : n);
    }
  }
}

}  // namespace
}  // namespace tdump::parquet
