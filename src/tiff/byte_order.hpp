#pragma once
// Loads of fixed-size integers and floats from unaligned bytes in either TIFF byte order.
#include <bit>
#include <cstdint>
#include <cstring>

namespace tdump::tiff {

enum class ByteOrder : std::uint8_t { kLittle, kBig };

namespace detail {
template <typename T>
[[nodiscard]] inline T load_native(const std::uint8_t* p) noexcept {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}
// True when the file's order differs from the machine's, so every load must swap.
[[nodiscard]] constexpr bool needs_swap(ByteOrder order) noexcept {
  return (order == ByteOrder::kBig) == (std::endian::native == std::endian::little);
}
}  // namespace detail

[[nodiscard]] inline std::uint16_t load_u16(const std::uint8_t* p, ByteOrder order) noexcept {
  auto v = detail::load_native<std::uint16_t>(p);
  return detail::needs_swap(order) ? __builtin_bswap16(v) : v;
}
[[nodiscard]] inline std::uint32_t load_u32(const std::uint8_t* p, ByteOrder order) noexcept {
  auto v = detail::load_native<std::uint32_t>(p);
  return detail::needs_swap(order) ? __builtin_bswap32(v) : v;
}
[[nodiscard]] inline std::uint64_t load_u64(const std::uint8_t* p, ByteOrder order) noexcept {
  auto v = detail::load_native<std::uint64_t>(p);
  return detail::needs_swap(order) ? __builtin_bswap64(v) : v;
}
[[nodiscard]] inline float load_f32(const std::uint8_t* p, ByteOrder order) noexcept {
  return std::bit_cast<float>(load_u32(p, order));
}
[[nodiscard]] inline double load_f64(const std::uint8_t* p, ByteOrder order) noexcept {
  return std::bit_cast<double>(load_u64(p, order));
}

}  // namespace tdump::tiff
