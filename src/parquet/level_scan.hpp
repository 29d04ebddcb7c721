#pragma once
// Scans over byte-sized levels, eight at a time (SWAR): the writer passes over every level of
// every leaf several times (value counts, run detection, row boundaries), and most of those
// levels sit in long runs (a column that is null, or present, row after row).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tdump::parquet {

namespace swar {
inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;

inline std::uint64_t load(const std::uint8_t* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// One high bit per zero byte of x, exactly (no false positives from borrows).
inline std::uint64_t zero_bytes(std::uint64_t x) {
  const std::uint64_t y = (x & kLow7) + kLow7;
  return ~(y | x | kLow7);
}

// How many zero bytes x has: the high bits moved to the low bit of each byte, summed by a multiply
// (no popcount instruction needed on the baseline x86-64 target).
inline std::size_t count_zero_bytes(std::uint64_t x) {
  return static_cast<std::size_t>(((zero_bytes(x) >> 7) * kOnes) >> 56);
}
}  // namespace swar

// Number of bytes in p[0, n) equal to v.
inline std::size_t count_equal(const std::uint8_t* p, std::size_t n, std::uint8_t v) {
  const std::uint64_t pattern = swar::kOnes * v;
  std::size_t count = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) count += swar::count_zero_bytes(swar::load(p + i) ^ pattern);
  for (; i < n; ++i) count += p[i] == v ? 1 : 0;
  return count;
}

// Length of the run of bytes equal to v at the start of p[0, n).
inline std::size_t run_length(const std::uint8_t* p, std::size_t n, std::uint8_t v) {
  const std::uint64_t pattern = swar::kOnes * v;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t diff = swar::load(p + i) ^ pattern;
    if (diff != 0) return i + static_cast<std::size_t>(std::countr_zero(diff)) / 8;  // little-endian: first byte lowest
  }
  while (i < n && p[i] == v) ++i;
  return i;
}

// Index of the k-th (0-based) byte equal to 0 in p[0, n), or n if there are not that many.
inline std::size_t find_nth_zero(const std::uint8_t* p, std::size_t n, std::size_t k) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::size_t zeros = swar::count_zero_bytes(swar::load(p + i));
    if (zeros > k) break;
    k -= zeros;
  }
  for (; i < n; ++i) {
    if (p[i] == 0 && k-- == 0) return i;
  }
  return n;
}

}  // namespace tdump::parquet
