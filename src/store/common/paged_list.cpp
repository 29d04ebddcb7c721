#include "store/common/paged_list.hpp"

#include <algorithm>

#include "store/common/parallel_list.hpp"

namespace tdump::store {
bool key_before(std::string_view a, std::string_view b, KeyOrder order) noexcept {
  if (order == KeyOrder::kBytes) return a < b;  // char_traits<char> compares as unsigned char
  // UTF-16 code-unit order is byte order with the lead bytes of U+E000..U+FFFF (0xEE, 0xEF)
  // moved above those of U+10000.. (0xF0..0xF4): compare bytes mapped that way (an injective
  // map, so this is a strict total order on any byte strings, UTF-8 or not).
  const auto rank = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == 0xEE || byte == 0xEF ? byte + 0x100U : static_cast<unsigned>(byte);
  };
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return rank(a[i]) < rank(b[i]);
  }
  return a.size() < b.size();
}

std::unique_ptr<ListStream> make_paged_list(PageFetcher fetch, std::string description, KeyOrder order) {
  // One stream of pages is the parallel lister with one request in flight: the same checks on
  // tokens and key order, in one place.
  ParallelListSettings settings;
  settings.parallelism = 1;
  settings.description = std::move(description);
  ListCapabilities capabilities;
  capabilities.order = order;
  return make_parallel_list(
      [fetch = std::move(fetch)](const PageRequest& request, const std::function<void(Result<Page>)>& done) {
        done(fetch(request.token));
      },
      capabilities, "", std::move(settings));
}

}  // namespace tdump::store
