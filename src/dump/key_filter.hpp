#pragma once
// Which listed keys the run keeps: TIFF-looking suffixes, include/exclude globs, and this
// shard's share of the key space.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tdump::dump {

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

struct KeyFilterOptions {
  std::vector<std::string> suffixes;  // case-insensitive; empty keeps every key
  std::vector<std::string> include;   // fnmatch globs ('*' also matches '/'); empty keeps all
  std::vector<std::string> exclude;
  Shard shard;
};

class KeyFilter {
 public:
  explicit KeyFilter(KeyFilterOptions options);
  // True when the key is a TIFF candidate of this shard.
  [[nodiscard]] bool accepts(std::string_view key) const;
  [[nodiscard]] const Shard& shard() const { return options_.shard; }

 private:
  KeyFilterOptions options_;
  std::vector<std::string> lower_suffixes_;
};

}  // namespace tdump::dump
