#include "common/shard.hpp"

namespace tdump {

std::uint64_t stable_key_hash(std::string_view key) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  // FNV-1a's low bits mix poorly for short keys; a final avalanche makes `% count` fair.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  return hash;
}

}  // namespace tdump
