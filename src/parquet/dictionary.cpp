#include "parquet/dictionary.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace tdump::parquet {

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

inline std::uint64_t mix(std::uint64_t key) {
  return key * kGolden;
}

}  // namespace

void DictionaryBuilder::set_capacity(std::size_t capacity) {
  // The vector only grows; the active part [0, capacity) is cleared, the rest is ignored.
  if (table_.size() < capacity) table_.resize(capacity);
  std::fill(table_.begin(), table_.begin() + static_cast<std::ptrdiff_t>(capacity), 0U);
  mask_ = capacity - 1;
  shift_ = 64 - std::countr_zero(capacity);
}

void DictionaryBuilder::reset_table(std::size_t values) {
  // Start small (most of our columns have few distinct values) and grow on demand.
  set_capacity(std::clamp<std::size_t>(std::bit_ceil(values * 2), 16, 1024));
  count_ = 0;
  plain_bytes_ = 0;
  indices_.clear();
  fixed_.clear();
  bytes_.clear();
  hashes_.clear();
}

void DictionaryBuilder::grow() {
  set_capacity((mask_ + 1) * 2);
  for (std::size_t e = 0; e < count_; ++e) {
    std::size_t slot = static_cast<std::size_t>(hashes_[e] >> shift_);
    while (table_[slot] != 0) slot = (slot + 1) & mask_;
    table_[slot] = static_cast<std::uint32_t>(e + 1);
  }
}

bool DictionaryBuilder::mostly_distinct(std::size_t seen) const noexcept {
  // After a sample, a column whose values are nearly all distinct will not pay for a dictionary:
  // stop hashing it (checked at powers of two to keep the test off the hot path).
  constexpr std::size_t kSample = 4096;
  return seen >= kSample && (seen & (seen - 1)) == 0 && count_ * 4 > seen * 3;
}

template <typename GetKey>
bool DictionaryBuilder::build_fixed(std::size_t n, std::size_t entry_bytes, std::size_t max_bytes, GetKey key_at) {
  indices_.resize(n);
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t key = key_at(i);
    // Runs of equal values are common (constant columns): no hashing for a repeat.
    if (i > 0 && key == previous) {
      indices_[i] = indices_[i - 1];
      continue;
    }
    previous = key;
    if (mostly_distinct(i)) return false;
    const std::uint64_t h = mix(key);
    std::size_t slot = static_cast<std::size_t>(h >> shift_);
    std::uint32_t found = 0;
    while (const std::uint32_t e = table_[slot]) {
      if (fixed_[e - 1] == key) {
        found = e;
        break;
      }
      slot = (slot + 1) & mask_;
    }
    if (found == 0) {
      plain_bytes_ += entry_bytes;
      if (plain_bytes_ > max_bytes) return false;
      fixed_.push_back(key);
      hashes_.push_back(h);
      found = static_cast<std::uint32_t>(++count_);
      table_[slot] = found;
      if (count_ * 2 > mask_ + 1) grow();
    }
    indices_[i] = found - 1;
  }
  return true;
}

bool DictionaryBuilder::build_bytes(const LeafColumn& leaf, std::size_t begin, std::size_t end, std::size_t max_bytes) {
  const std::size_t n = end - begin;
  indices_.resize(n);
  const std::hash<std::string_view> hasher;
  std::string_view previous;
  // Shared values (LeafColumn::add_shared_bytes): one place in the heap is one value, so a
  // value seen at the same place takes its entry without hashing its bytes again.
  const bool shared = leaf.has_shared_values();
  if (shared) by_start_.assign(kByStartSlots, {});
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view v = leaf.bytes_at(begin + i);
    if (i > 0 && v.data() == previous.data() && v.size() == previous.size()) {
      indices_[i] = indices_[i - 1];
      continue;
    }
    if (i > 0 && v == previous) {
      indices_[i] = indices_[i - 1];
      continue;
    }
    previous = v;
    StartSlot* start_slot = nullptr;
    if (shared) {
      // Linear probing over a few slots: a place seen before takes its entry; else the first
      // empty slot remembers it (none free within kByStartProbes: the value is just hashed).
      const std::uint64_t start = leaf.value_start(begin + i);
      std::size_t at = static_cast<std::size_t>((start * kGolden) >> (64 - kByStartBits));
      bool seen = false;
      for (std::size_t probe = 0; probe < kByStartProbes; ++probe, at = (at + 1) & (kByStartSlots - 1)) {
        StartSlot& slot = by_start_[at];
        if (slot.entry == 0) {
          start_slot = &slot;
          break;
        }
        if (slot.start == start && slot.size == v.size()) {
          indices_[i] = slot.entry - 1;
          seen = true;
          break;
        }
      }
      if (seen) continue;
    }
    if (mostly_distinct(i)) return false;
    const std::uint64_t h = mix(hasher(v));
    std::size_t slot = static_cast<std::size_t>(h >> shift_);
    std::uint32_t found = 0;
    while (const std::uint32_t e = table_[slot]) {
      if (hashes_[e - 1] == h && bytes_[e - 1] == v) {
        found = e;
        break;
      }
      slot = (slot + 1) & mask_;
    }
    if (found == 0) {
      plain_bytes_ += 4 + v.size();
      if (plain_bytes_ > max_bytes) return false;
      bytes_.push_back(v);
      hashes_.push_back(h);
      found = static_cast<std::uint32_t>(++count_);
      table_[slot] = found;
      if (count_ * 2 > mask_ + 1) grow();
    }
    indices_[i] = found - 1;
    if (start_slot != nullptr) *start_slot = {leaf.value_start(begin + i), v.size(), found};
  }
  return true;
}

bool DictionaryBuilder::build(const LeafColumn& leaf, std::size_t begin, std::size_t end, std::size_t max_bytes) {
  const std::size_t n = end - begin;
  reset_table(n);
  switch (leaf.physical()) {
    case PhysicalType::kInt32: {
      const auto v = leaf.int32_values().subspan(begin, n);
      return build_fixed(n, 4, max_bytes, [&](std::size_t i) { return static_cast<std::uint32_t>(v[i]); });
    }
    case PhysicalType::kInt64: {
      const auto v = leaf.int64_values().subspan(begin, n);
      return build_fixed(n, 8, max_bytes, [&](std::size_t i) { return static_cast<std::uint64_t>(v[i]); });
    }
    case PhysicalType::kDouble: {
      const auto v = leaf.double_values().subspan(begin, n);
      // Keyed by bits: -0.0 and 0.0 (and NaN payloads) stay distinct, so values round-trip exactly.
      return build_fixed(n, 8, max_bytes, [&](std::size_t i) { return std::bit_cast<std::uint64_t>(v[i]); });
    }
    case PhysicalType::kByteArray:
      return build_bytes(leaf, begin, end, max_bytes);
    case PhysicalType::kBoolean:
      return false;
  }
  return false;
}

}  // namespace tdump::parquet
