#include "common/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace tdump {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view name, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = SIZE_MAX;
  for (auto candidate : candidates) {
    auto d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // A typo, not a different word: at most a third of the name changed (and at least 1 edit allowed).
  std::size_t allowed = std::max<std::size_t>(1, std::max(name.size(), best.size()) / 3);
  if (best.empty() || best_distance > allowed) return {};
  return std::string(best);
}

std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates) {
  auto match = closest_match(name, candidates);
  if (match.empty()) return {};
  return " (did you mean '" + match + "'?)";
}

}  // namespace tdump
