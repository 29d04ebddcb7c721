#pragma once
// The RLE / bit-packing hybrid of the Parquet encodings spec, used for definition and
// repetition levels and for dictionary indices. Runs of 8 or more equal values become RLE runs;
// everything else goes into bit-packed groups of 8 (the last group zero-padded, which readers
// ignore because the page header says how many values there are).
#include <bit>
#include <cstdint>
#include <span>

#include "parquet/byte_buffer.hpp"

namespace tdump::parquet {

// Bits needed to store values 0..max_value (0 for max_value 0).
[[nodiscard]] inline int bit_width_for(std::uint32_t max_value) noexcept {
  return static_cast<int>(std::bit_width(max_value));
}

// Appends the hybrid encoding of `values` (each < 2^bit_width, bit_width <= 32) to `out`,
// without any length prefix.
void rle_hybrid_encode(std::span<const std::uint8_t> values, int bit_width, ByteBuffer& out);
void rle_hybrid_encode(std::span<const std::uint32_t> values, int bit_width, ByteBuffer& out);

}  // namespace tdump::parquet
