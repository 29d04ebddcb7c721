#pragma once
// "Did you mean ...?" for unknown config keys and store options.
#include <span>
#include <string>
#include <string_view>

namespace tdump {

// Edit distance (Levenshtein), bounded work: both inputs are short names.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a plausible typo, else "".
[[nodiscard]] std::string closest_match(std::string_view name, std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" or "" — ready to append to an error message.
[[nodiscard]] std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace tdump
