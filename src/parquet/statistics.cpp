#include "parquet/statistics.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <span>
#include <string_view>

namespace tdump::parquet {

namespace {

template <typename T>
std::string plain_bytes(T v) {
  std::string out(sizeof v, '\0');
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

bool is_unsigned(ColumnType t) {
  return t == ColumnType::kUInt8 || t == ColumnType::kUInt16 || t == ColumnType::kUInt32 || t == ColumnType::kUInt64;
}

// Min/max of n values read through get(i), compared as C (the type carrying the sort order),
// stored as S (the physical type).
template <typename C, typename S, typename Get>
void integer_min_max(std::size_t n, Get get, ChunkStatistics& out) {
  if (n == 0) return;
  C lo = static_cast<C>(get(0));
  C hi = lo;
  for (std::size_t i = 1; i < n; ++i) {
    const C v = static_cast<C>(get(i));
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  out.has_min_max = true;
  out.min_value = plain_bytes(static_cast<S>(lo));
  out.max_value = plain_bytes(static_cast<S>(hi));
}

template <typename Get>
void double_min_max(std::size_t n, Get get, bool count_nans, ChunkStatistics& out) {
  std::int64_t nans = 0;
  bool any = false;
  double lo = 0;
  double hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = get(i);
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    if (!any) {
      lo = hi = v;
      any = true;
    } else {
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  }
  if (count_nans) out.nan_count = nans;
  if (!any) return;
  // The spec: a zero minimum is written as -0.0, a zero maximum as +0.0.
  if (lo == 0.0) lo = -0.0;
  if (hi == 0.0) hi = 0.0;
  out.has_min_max = true;
  out.min_value = plain_bytes(lo);
  out.max_value = plain_bytes(hi);
}

template <typename Get>
void bytes_min_max(std::size_t n, Get get, std::size_t max_bound_bytes, ChunkStatistics& out) {
  if (n == 0) return;
  std::string_view lo = get(0);
  std::string_view hi = lo;
  for (std::size_t i = 1; i < n; ++i) {
    const std::string_view v = get(i);
    // std::string_view compares through char_traits<char>, which orders bytes as unsigned char.
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo.size() > max_bound_bytes || hi.size() > max_bound_bytes) return;
  out.has_min_max = true;
  out.min_value.assign(lo);
  out.max_value.assign(hi);
}

}  // namespace

void compute_min_max(const LeafColumn& leaf, ColumnType type, std::size_t begin, std::size_t end,
                     const DictionaryBuilder* dictionary, std::size_t max_bound_bytes, ChunkStatistics& out) {
  out.has_min_max = false;
  out.nan_count.reset();
  const std::size_t n = end - begin;
  const bool unsigned_order = is_unsigned(type);
  const std::span<const std::uint64_t> entries =
      dictionary ? dictionary->fixed_entries() : std::span<const std::uint64_t>{};
  switch (leaf.physical()) {
    case PhysicalType::kBoolean: {
      const auto v = leaf.bool_values().subspan(begin, n);
      integer_min_max<std::uint8_t, std::uint8_t>(
          n, [&](std::size_t i) { return v[i]; }, out);
      break;
    }
    case PhysicalType::kInt32: {
      if (dictionary) {
        auto get = [&](std::size_t i) { return static_cast<std::uint32_t>(entries[i]); };
        if (unsigned_order) {
          integer_min_max<std::uint32_t, std::uint32_t>(entries.size(), get, out);
        } else {
          integer_min_max<std::int32_t, std::int32_t>(entries.size(), get, out);
        }
      } else {
        const auto v = leaf.int32_values().subspan(begin, n);
        auto get = [&](std::size_t i) { return v[i]; };
        if (unsigned_order) {
          integer_min_max<std::uint32_t, std::uint32_t>(n, get, out);
        } else {
          integer_min_max<std::int32_t, std::int32_t>(n, get, out);
        }
      }
      break;
    }
    case PhysicalType::kInt64: {
      if (dictionary) {
        auto get = [&](std::size_t i) { return entries[i]; };
        if (unsigned_order) {
          integer_min_max<std::uint64_t, std::uint64_t>(entries.size(), get, out);
        } else {
          integer_min_max<std::int64_t, std::int64_t>(entries.size(), get, out);
        }
      } else {
        const auto v = leaf.int64_values().subspan(begin, n);
        auto get = [&](std::size_t i) { return v[i]; };
        if (unsigned_order) {
          integer_min_max<std::uint64_t, std::uint64_t>(n, get, out);
        } else {
          integer_min_max<std::int64_t, std::int64_t>(n, get, out);
        }
      }
      break;
    }
    case PhysicalType::kDouble: {
      if (dictionary) {
        // Distinct entries say nothing about how many values are NaN: count those over the values.
        double_min_max(
            entries.size(), [&](std::size_t i) { return std::bit_cast<double>(entries[i]); }, false, out);
        const auto v = leaf.double_values().subspan(begin, n);
        std::int64_t nans = 0;
        for (const double d : v) nans += std::isnan(d) ? 1 : 0;
        out.nan_count = nans;
      } else {
        const auto v = leaf.double_values().subspan(begin, n);
        double_min_max(
            n, [&](std::size_t i) { return v[i]; }, true, out);
      }
      break;
    }
    case PhysicalType::kByteArray: {
      if (dictionary) {
        const auto e = dictionary->byte_entries();
        bytes_min_max(
            e.size(), [&](std::size_t i) { return e[i]; }, max_bound_bytes, out);
      } else {
        bytes_min_max(
            n, [&](std::size_t i) { return leaf.bytes_at(begin + i); }, max_bound_bytes, out);
      }
      break;
    }
  }
}

}  // namespace tdump::parquet
