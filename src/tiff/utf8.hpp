#pragma once
// UTF-8 checks for TIFF ASCII values: the spec says 7-bit ASCII, real files carry UTF-8, and
// our outputs (JSON, Parquet strings) need valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <span>

namespace tdump::tiff {

// Length (1..4) of the well-formed UTF-8 sequence starting at p[0], or 0 when p[0..] is not
// one (overlong forms, surrogates and code points past U+10FFFF are rejected). NUL counts as
// a 1-byte character: ASCII values may hold several NUL-separated strings.
[[nodiscard]] std::size_t utf8_sequence_length(const std::uint8_t* p, std::size_t remaining) noexcept;

[[nodiscard]] bool is_valid_utf8(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace tdump::tiff
