#pragma once
// Parsing of human-written durations and sizes in configs and options.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tdump {

// "250ms", "30s", "2m", "1h", "1.5s", or a plain number of seconds ("30", "0.5").
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "16384", "16KiB", "16 KiB", "1MiB", "2GiB", "64kB" (kB/MB/GB are powers of 1000).
[[nodiscard]] std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// "true"/"false"/"yes"/"no"/"1"/"0"/"on"/"off", case-insensitive.
[[nodiscard]] std::optional<bool> parse_bool(std::string_view text);

}  // namespace tdump
