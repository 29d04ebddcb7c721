#pragma once
// One shard of a run: shard I of N processes that split the keys of one listing between them
// (README "Scale-out and resume"). The key filter keeps a shard's keys (src/dump/key_filter.hpp); OUT_DIR
// names a shard's files and records by its index (src/output/output_dir.hpp).
#include <cstdint>
#include <string_view>

namespace tdump {

// A hash of the key bytes that is the same on every machine and every build (FNV-1a, 64 bit),
// so N shard processes split the keys into the same disjoint parts.
[[nodiscard]] std::uint64_t stable_key_hash(std::string_view key) noexcept;

struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
  [[nodiscard]] bool owns(std::string_view key) const noexcept {
    return count <= 1 || stable_key_hash(key) % count == index;
  }
};

}  // namespace tdump
