#pragma once
// A growable byte buffer with the little-endian and varint appends every encoder here needs.
// clear() keeps the capacity, so a buffer reused across pages and files stops allocating.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace tdump::parquet {

// Parquet is little-endian on disk; put_le copies host bytes, so the host must be too.
static_assert(std::endian::native == std::endian::little, "tdump::parquet assumes a little-endian host");

class ByteBuffer {
 public:
  void clear() noexcept { data_.clear(); }
  [[nodiscard]] std::size_t size() const noexcept { return data_.size(); }
  [[nodiscard]] bool empty() const noexcept { return data_.empty(); }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return data_.data(); }
  [[nodiscard]] std::uint8_t* data() noexcept { return data_.data(); }
  void reserve(std::size_t n) { data_.reserve(n); }
  void resize(std::size_t n) { data_.resize(n); }
  [[nodiscard]] std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(data_.data()), data_.size()};
  }

  void put_byte(std::uint8_t b) { data_.push_back(b); }
  void put_bytes(const void* p, std::size_t n) {
    if (n == 0) return;
    const std::size_t at = data_.size();
    data_.resize(at + n);
    std::memcpy(data_.data() + at, p, n);
  }
  void put_bytes(std::string_view s) { put_bytes(s.data(), s.size()); }

  // Little-endian fixed width (see the static_assert above).
  template <typename T>
  void put_le(T v) {
    put_bytes(&v, sizeof v);
  }

  // Unsigned LEB128 varint, as used by Thrift's compact protocol and the RLE run headers.
  void put_uvarint(std::uint64_t v) {
    while (v >= 0x80) {
      data_.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    data_.push_back(static_cast<std::uint8_t>(v));
  }

  // Overwrites 4 bytes at `at` with a little-endian u32 (a length prefix reserved earlier).
  void patch_u32(std::size_t at, std::uint32_t v) { std::memcpy(data_.data() + at, &v, sizeof v); }

 private:
  std::vector<std::uint8_t> data_;
};

}  // namespace tdump::parquet
