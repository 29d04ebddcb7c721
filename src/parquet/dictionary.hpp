#pragma once
// Dictionary building for RLE_DICTIONARY: distinct values in order of first appearance, and one
// index per value. An open-addressing hash table keyed by the value's bits (fixed-width types)
// or bytes (byte arrays); its storage is reused from chunk to chunk.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "parquet/leaf_column.hpp"

namespace tdump::parquet {

class DictionaryBuilder {
 public:
  // Builds the dictionary of values [begin, end) of `leaf`. Returns false, leaving the builder
  // unusable for this chunk, as soon as the PLAIN-encoded dictionary would exceed max_bytes, or
  // when a sample of 4096+ values is more than 3/4 distinct (a dictionary would not pay).
  bool build(const LeafColumn& leaf, std::size_t begin, std::size_t end, std::size_t max_bytes);

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // Size of the dictionary page body (PLAIN encoding of the entries).
  [[nodiscard]] std::size_t plain_bytes() const noexcept { return plain_bytes_; }
  [[nodiscard]] std::span<const std::uint32_t> indices() const noexcept { return indices_; }
  // Entries: fixed-width types as their bit patterns (low 32 bits for INT32), byte arrays as views
  // into the leaf's heap (valid while the leaf is unchanged).
  [[nodiscard]] std::span<const std::uint64_t> fixed_entries() const noexcept { return fixed_; }
  [[nodiscard]] std::span<const std::string_view> byte_entries() const noexcept { return bytes_; }

 private:
  [[nodiscard]] bool mostly_distinct(std::size_t seen) const noexcept;
  void set_capacity(std::size_t capacity);
  void reset_table(std::size_t values);
  void grow();
  template <typename GetKey>
  bool build_fixed(std::size_t n, std::size_t entry_bytes, std::size_t max_bytes, GetKey key_at);
  bool build_bytes(const LeafColumn& leaf, std::size_t begin, std::size_t end, std::size_t max_bytes);

  std::vector<std::uint32_t> table_;  // entry index + 1; 0 = empty slot
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t count_ = 0;
  std::size_t plain_bytes_ = 0;
  std::vector<std::uint32_t> indices_;
  std::vector<std::uint64_t> fixed_;
  std::vector<std::string_view> bytes_;
  std::vector<std::uint64_t> hashes_;  // per entry, so growing never rehashes strings
  // Shared byte values: entry + 1 by heap position (open addressing, a few probes; 0 = empty).
  // A batch stores each shared value once per id (LeafColumn::add_shared_bytes), so a chunk has
  // about as many places as its column has CRSs or grids: hundreds, in 4096 slots.
  struct StartSlot {
    std::uint64_t start = 0;
    std::uint64_t size = 0;
    std::uint32_t entry = 0;
  };
  static constexpr int kByStartBits = 12;
  static constexpr std::size_t kByStartSlots = std::size_t{1} << kByStartBits;
  static constexpr std::size_t kByStartProbes = 8;
  std::vector<StartSlot> by_start_;
};

}  // namespace tdump::parquet
