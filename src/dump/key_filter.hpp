#pragma once
// Which listed keys the run keeps: TIFF-looking suffixes, include/exclude globs, and this
// shard's share of the key space.
#include <string>
#include <string_view>
#include <vector>

#include "common/shard.hpp"

namespace tdump::dump {

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
