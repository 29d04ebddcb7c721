#pragma once
// A growable byte buffer with the little-endian and varint appends every encoder here needs.
// clear() keeps the capacity, so a buffer reused across pages and files stops allocating; growing
// never zero-fills (the encoders write every byte they reserve).
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace tdump::parquet {

// Parquet is little-endian on disk; put_le copies host bytes, so the host must be too.
static_assert(std::endian::native == std::endian::little, "tdump::parquet assumes a little-endian host");

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ByteBuffer(ByteBuffer&&) noexcept = default;
  ByteBuffer& operator=(ByteBuffer&&) noexcept = default;
  ~ByteBuffer() = default;

  void clear() noexcept { size_ = 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return data_.get(); }
  [[nodiscard]] std::uint8_t* data() noexcept { return data_.get(); }
  void reserve(std::size_t n) {
    if (n > capacity_) grow(n);
  }
  // New bytes are left uninitialised: every caller overwrites them.
  void resize(std::size_t n) {
    reserve(n);
    size_ = n;
  }
  [[nodiscard]] std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data_.get()), size_}; }

  void put_byte(std::uint8_t b) {
    if (size_ == capacity_) grow(size_ + 1);
    data_[size_++] = b;
  }
  void put_bytes(const void* p, std::size_t n) {
    if (n == 0) return;
    reserve(size_ + n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  void put_bytes(std::string_view s) { put_bytes(s.data(), s.size()); }

  // Little-endian fixed width (see the static_assert above).
  template <typename T>
  void put_le(T v) {
    put_bytes(&v, sizeof v);
  }

  // Unsigned LEB128 varint, as used by Thrift's compact protocol and the RLE run headers.
  void put_uvarint(std::uint64_t v) {
    reserve(size_ + 10);
    while (v >= 0x80) {
      data_[size_++] = static_cast<std::uint8_t>(v | 0x80);
      v >>= 7;
    }
    data_[size_++] = static_cast<std::uint8_t>(v);
  }

  // Overwrites 4 bytes at `at` with a little-endian u32 (a length prefix reserved earlier).
  void patch_u32(std::size_t at, std::uint32_t v) { std::memcpy(data_.get() + at, &v, sizeof v); }

 private:
  void grow(std::size_t needed) {
    const std::size_t capacity = std::max<std::size_t>({needed, capacity_ * 2, 256});
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace tdump::parquet
