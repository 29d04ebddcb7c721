// libFuzzer target: the parallel lister's key arithmetic (store/common/parallel_list.hpp):
// split_key must return a key strictly between the bounds it was given (lo < split < hi, or
// lo < split with no upper bound), inside the listed prefix and at most 8 bytes past it, since a
// running listing stops at the split and a new one starts after it (a split outside the bounds
// would list keys twice or miss them); key_space_share must be a fraction in [0, 1].
// The input is "PREFIX\0LO\0KEYS\0HI" (no third NUL: no upper bound); the alphabet is the sorted
// distinct bytes of KEYS, as the lister learns it from the keys it has seen. Seeds are hex, UUID
// and date-named keys in the layouts real buckets use (fuzz/make_seeds.py).
#include <algorithm>
#include <cmath>
#include <optional>

#include "common/fuzz_support.hpp"
#include "store/common/parallel_list.hpp"

using tdump::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const auto parts = tdump::fuzz::split_nul(tdump::fuzz::as_text(data, size));
  if (parts.size() < 2) return 0;
  const std::string common(parts[0]);
  const std::string lo(parts[1]);
  std::string alphabet;
  if (parts.size() >= 3) alphabet = std::string(parts[2]);
  std::optional<std::string> hi;
  if (parts.size() >= 4) hi = std::string(parts[3]);
  std::sort(alphabet.begin(), alphabet.end(),
            [](char a, char b) { return static_cast<unsigned char>(a) < static_cast<unsigned char>(b); });
  alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());

  const double share = tdump::store::key_space_share(common, lo, hi, alphabet);
  check(std::isfinite(share) && share >= 0.0 && share <= 1.0, "key_space_share is not a fraction in [0, 1]");
  if (auto split = tdump::store::split_key(common, lo, hi, alphabet)) {
    check(lo < *split, "the split key is not above the lower bound");
    check(!hi || *split < *hi, "the split key is not below the upper bound");
    check(split->starts_with(common) && split->size() <= common.size() + 8,
          "the split key is outside the prefix or longer than 8 bytes past it");
  }
  return 0;
}
