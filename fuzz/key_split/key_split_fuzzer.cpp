// libFuzzer target: the parallel lister's key arithmetic (store/common/parallel_list.hpp):
// split_key must return a key strictly between the bounds it was given (lo < split < hi, or
// lo < split with no upper bound), inside the listed prefix and at most 8 bytes past it, since a
// running listing stops at the split and a new one starts after it (a split outside the bounds
// would list keys twice or miss them); key_place must lie in [0, 1]. The
// services' key orders (key_before, store/common/paged_list.hpp) are checked on the same strings.
// The input is "PREFIX\0LO\0KEYS\0HI" (no third NUL: no upper bound); the alphabet is the sorted
// distinct bytes of KEYS, as the lister learns it from the keys it has seen. Seeds are hex, UUID
// and date-named keys in the layouts real buckets use (fuzz/make_seeds.py). KeyShape (key_shape.hpp)
// learns from KEYS split at newlines and must keep its splits inside the bounds too.
#include <algorithm>
#include <cmath>
#include <optional>

#include "common/fuzz_support.hpp"
#include "store/common/display_key.hpp"
#include "store/common/key_shape.hpp"
#include "store/common/paged_list.hpp"
#include "store/common/parallel_list.hpp"

using tdump::fuzz::check;
using tdump::store::KeyOrder;

namespace {

// UTF-16 code units of well-formed UTF-8 (the oracle for KeyOrder::kUtf16CodeUnits).
std::u16string utf16_of(std::string_view utf8) {
  std::u16string out;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t cp = length == 1 ? lead : length == 2 ? lead & 0x1FU : length == 3 ? lead & 0x0FU : lead & 0x07U;
    for (std::size_t k = 1; k < length; ++k) cp = (cp << 6U) | (static_cast<unsigned char>(utf8[i + k]) & 0x3FU);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10U)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FFU)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += length;
  }
  return out;
}

// key_before must be a strict total order in both orders (no key listed twice, none skipped,
// whichever service lists), byte order for kBytes and UTF-16 code-unit order on UTF-8 keys.
void check_orders(const std::string& a, const std::string& b, const std::string& c) {
  using tdump::store::key_before;
  for (const KeyOrder order : {KeyOrder::kBytes, KeyOrder::kUtf16CodeUnits}) {
    check(!key_before(a, a, order), "key_before is not irreflexive");
    check(static_cast<int>(key_before(a, b, order)) + static_cast<int>(key_before(b, a, order)) +
                  static_cast<int>(a == b) ==
              1,
          "key_before is not a total order (two keys neither equal nor ordered, or both ways)");
    check(!(key_before(a, b, order) && key_before(b, c, order)) || key_before(a, c, order),
          "key_before is not transitive");
  }
  check(key_before(a, b, KeyOrder::kBytes) == (a < b), "kBytes is not byte order");
  if (tdump::store::is_valid_utf8(a) && tdump::store::is_valid_utf8(b)) {
    check(key_before(a, b, KeyOrder::kUtf16CodeUnits) == (utf16_of(a) < utf16_of(b)),
          "kUtf16CodeUnits disagrees with comparing the keys' UTF-16 code units");
  }
}

}  // namespace

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

  const double place = tdump::store::key_place(common, lo, alphabet);
  check(std::isfinite(place) && place >= 0.0 && place <= 1.0, "key_place is not in [0, 1]");
  if (auto split = tdump::store::split_key(common, lo, hi, alphabet)) {
    check(lo < *split, "the split key is not above the lower bound");
    check(!hi || *split < *hi, "the split key is not below the upper bound");
    check(split->starts_with(common) && split->size() <= common.size() + 8,
          "the split key is outside the prefix or longer than 8 bytes past it");
  }
  // The same in a key shape learned from KEYS split at '\n' (a shard plan's sampled names), and
  // the shape must survive its stored form (plan.json) unchanged.
  tdump::store::KeyShape shape;
  if (parts.size() >= 3) {
    std::string_view names = parts[2];
    while (!names.empty()) {
      const auto end = names.find('\n');
      shape.learn(names.substr(0, end));
      names = end == std::string_view::npos ? std::string_view{} : names.substr(end + 1);
    }
  }
  shape.seal();
  const double shaped = shape.place(common, lo);
  check(std::isfinite(shaped) && shaped >= 0.0 && shaped <= 1.0, "KeyShape::place is not in [0, 1]");
  if (auto split = shape.split(common, lo, hi)) {
    check(lo < *split, "the shape's split key is not above the lower bound");
    check(!hi || *split < *hi, "the shape's split key is not below the upper bound");
    check(split->starts_with(common), "the shape's split key is outside the prefix");
    check(tdump::store::is_valid_utf8(split->substr(common.size())) || !tdump::store::is_valid_utf8(common),
          "the shape's split key is not UTF-8");
  }
  tdump::store::KeyShape stored;
  check(stored.assign(shape.places(), shape.alphabet()), "a learned shape does not survive its stored form");
  check(stored.place(common, lo) == shaped, "a stored shape measures differently");
  check_orders(lo, hi.value_or(common), std::string(parts.size() >= 3 ? parts[2] : parts[0]));
  return 0;
}
