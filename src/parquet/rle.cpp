#include "parquet/rle.hpp"

#include <cstddef>

#include "parquet/level_scan.hpp"

namespace tdump::parquet {

namespace {

// A run shorter than this is cheaper (or no dearer) bit-packed than as its own RLE run.
constexpr std::size_t kMinRleRun = 8;

template <typename T>
void put_rle_run(T value, std::size_t count, int bit_width, ByteBuffer& out) {
  out.put_uvarint(static_cast<std::uint64_t>(count) << 1);
  auto v = static_cast<std::uint32_t>(value);
  for (int b = 0; b < bit_width; b += 8) {
    out.put_byte(static_cast<std::uint8_t>(v & 0xFF));
    v >>= 8;
  }
}

// Bit-packs values[begin, end) LSB first, padding the last group of 8 with zeros.
template <typename T>
void put_bit_packed(std::span<const T> values, std::size_t begin, std::size_t end, int bit_width, ByteBuffer& out) {
  const std::size_t count = end - begin;
  const std::size_t groups = (count + 7) / 8;
  out.put_uvarint((static_cast<std::uint64_t>(groups) << 1) | 1);
  if (bit_width == 0) return;
  if (bit_width <= 2 && end - begin == groups * 8) {
    // Levels of shallow nesting: pack whole groups directly, one or two bytes per 8 values.
    for (std::size_t g = begin; g < end; g += 8) {
      std::uint32_t packed = 0;
      for (int k = 0; k < 8; ++k)
        packed |= static_cast<std::uint32_t>(values[g + static_cast<std::size_t>(k)]) << (k * bit_width);
      out.put_byte(static_cast<std::uint8_t>(packed & 0xFF));
      if (bit_width == 2) out.put_byte(static_cast<std::uint8_t>(packed >> 8));
    }
    return;
  }
  std::uint64_t acc = 0;
  int bits = 0;
  const std::size_t padded = groups * 8;
  for (std::size_t k = 0; k < padded; ++k) {
    const std::uint64_t v = begin + k < end ? static_cast<std::uint64_t>(values[begin + k]) : 0;
    acc |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      out.put_byte(static_cast<std::uint8_t>(acc & 0xFF));
      acc >>= 8;
      bits -= 8;
    }
  }
}

template <typename T>
void encode(std::span<const T> values, int bit_width, ByteBuffer& out) {
  const std::size_t n = values.size();
  std::size_t literal_begin = 0;  // values from here up to i wait to be bit-packed
  std::size_t i = 0;
  while (i < n) {
    const T v = values[i];
    std::size_t j = i + 1;
    if constexpr (sizeof(T) == 1) {
      j = i + run_length(values.data() + i, n - i, v);
    } else {
      while (j < n && values[j] == v) ++j;
    }
    std::size_t run = j - i;
    if (run < kMinRleRun) {
      i = j;
      continue;
    }
    if (i > literal_begin) {
      // Bit-packed groups hold multiples of 8: borrow the first values of the run to fill the last one.
      const std::size_t pad = (8 - (i - literal_begin) % 8) % 8;
      put_bit_packed(values, literal_begin, i + pad, bit_width, out);
      i += pad;
      run -= pad;
    }
    if (run > 0) put_rle_run(v, run, bit_width, out);
    i = j;
    literal_begin = j;
  }
  if (literal_begin < n) put_bit_packed(values, literal_begin, n, bit_width, out);
}

}  // namespace

void rle_hybrid_encode(std::span<const std::uint8_t> values, int bit_width, ByteBuffer& out) {
  encode(values, bit_width, out);
}

void rle_hybrid_encode(std::span<const std::uint32_t> values, int bit_width, ByteBuffer& out) {
  encode(values, bit_width, out);
}

}  // namespace tdump::parquet
