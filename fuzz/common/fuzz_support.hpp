#pragma once
// Helpers shared by the libFuzzer targets over the store's parsers (fuzz/<target>/): the input
// as text, and invariant checks that stop the run with a message libFuzzer shows next to the
// crashing input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace tdump::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

// Stops the run: an invariant of the product's parser does not hold for this input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

inline void check(bool holds, const char* what) {
  if (!holds) fail(what);
}

// The input split at each '\0' (a target that needs several strings takes them this way, so a
// seed is readable text with NUL separators).
inline std::vector<std::string_view> split_nul(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto nul = text.find('\0');
    parts.push_back(text.substr(0, nul));
    if (nul == std::string_view::npos) return parts;
    text.remove_prefix(nul + 1);
  }
}

// With a Page type (store/common/paged_list.hpp) from a listing parser: parsing again with a root
// prefix `strip` must give exactly the keys and common prefixes of the unstripped page that start
// with it (and are longer, for prefixes), without it, in the same order; sizes and dates as well.
template <typename Page>
void check_strip_consistency(const Page& whole, const Page& stripped, std::string_view strip) {
  std::size_t at = 0;
  for (const auto& object : whole.objects) {
    if (!std::string_view(object.key).starts_with(strip)) continue;
    check(at < stripped.objects.size(), "a key under the root prefix is missing from the stripped listing");
    const auto& got = stripped.objects[at++];
    check(got.key == object.key.substr(strip.size()), "a stripped key is not the key without the root prefix");
    check(got.size == object.size && got.last_modified_us == object.last_modified_us && got.etag == object.etag,
          "stripping the root prefix changed an object's size, date or etag");
  }
  check(at == stripped.objects.size(), "the stripped listing has keys outside the root prefix");
  at = 0;
  for (const auto& prefix : whole.common_prefixes) {
    if (prefix.size() <= strip.size() || !std::string_view(prefix).starts_with(strip)) continue;
    check(at < stripped.common_prefixes.size(), "a common prefix under the root is missing when stripped");
    check(stripped.common_prefixes[at++] == prefix.substr(strip.size()), "a stripped common prefix is wrong");
  }
  check(at == stripped.common_prefixes.size(), "the stripped listing has common prefixes outside the root");
  check(stripped.next_token == whole.next_token, "stripping the root prefix changed the continuation token");
}

// A root prefix to strip, taken from the page itself (half of its first key, or of its first
// common prefix), so that both the "kept" and the "skipped" branches run on real-looking keys.
template <typename Page>
std::string root_prefix_of(const Page& page) {
  if (!page.objects.empty()) return page.objects.front().key.substr(0, page.objects.front().key.size() / 2);
  if (!page.common_prefixes.empty())
    return page.common_prefixes.front().substr(0, page.common_prefixes.front().size() / 2);
  return {};
}

}  // namespace tdump::fuzz
