#include "dump/key_filter.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace tdump::dump {
namespace {

bool ends_with_ci(std::string_view text, std::string_view lower_suffix) {
  if (text.size() < lower_suffix.size()) return false;
  auto tail = text.substr(text.size() - lower_suffix.size());
  return std::equal(tail.begin(), tail.end(), lower_suffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == static_cast<unsigned char>(b);
  });
}

bool matches_any(const std::vector<std::string>& globs, const std::string& key) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& glob) { return fnmatch(glob.c_str(), key.c_str(), 0) == 0; });
}

}  // namespace

KeyFilter::KeyFilter(KeyFilterOptions options) : options_(std::move(options)) {
  for (const auto& suffix : options_.suffixes) {
    std::string lower = suffix;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    lower_suffixes_.push_back(std::move(lower));
  }
}

bool KeyFilter::accepts(std::string_view key) const {
  if (!lower_suffixes_.empty() && std::none_of(lower_suffixes_.begin(), lower_suffixes_.end(),
                                               [&](const std::string& suffix) { return ends_with_ci(key, suffix); })) {
    return false;
  }
  if (!options_.include.empty() || !options_.exclude.empty()) {
    std::string k(key);  // fnmatch needs a terminated string
    if (!options_.include.empty() && !matches_any(options_.include, k)) return false;
    if (matches_any(options_.exclude, k)) return false;
  }
  return options_.shard.owns(key);
}

}  // namespace tdump::dump
