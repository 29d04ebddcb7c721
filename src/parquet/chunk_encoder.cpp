#include "parquet/chunk_encoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "parquet/level_scan.hpp"
#include "parquet/rle.hpp"

namespace tdump::parquet {

namespace {

std::size_t count_equal(std::span<const std::uint8_t> levels, std::size_t begin, std::size_t end, std::uint8_t v) {
  return tdump::parquet::count_equal(levels.data() + begin, end - begin, v);
}

std::size_t plain_size(const LeafColumn& leaf, std::size_t begin, std::size_t end) {
  const std::size_t n = end - begin;
  switch (leaf.physical()) {
    case PhysicalType::kBoolean:
      return (n + 7) / 8;
    case PhysicalType::kInt32:
      return n * 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return n * 8;
    case PhysicalType::kByteArray:
      return n * 4 + static_cast<std::size_t>(leaf.offsets()[end] - leaf.offsets()[begin]);
  }
  return 0;
}

}  // namespace

void ChunkEncoder::levels(std::span<const std::uint8_t> values, std::uint8_t max_level) {
  // Data page v1: a 4-byte little-endian length, then the hybrid-encoded levels.
  const std::size_t at = page_.size();
  page_.put_le<std::uint32_t>(0);
  rle_hybrid_encode(values, bit_width_for(max_level), page_);
  page_.patch_u32(at, static_cast<std::uint32_t>(page_.size() - at - 4));
}

void ChunkEncoder::plain_values(const LeafColumn& leaf, std::size_t begin, std::size_t end) {
  const std::size_t n = end - begin;
  switch (leaf.physical()) {
    case PhysicalType::kBoolean: {
      // One bit per value, least significant bit first.
      const auto v = leaf.bool_values();
      std::uint8_t byte = 0;
      int bit = 0;
      for (std::size_t i = begin; i < end; ++i) {
        byte = static_cast<std::uint8_t>(byte | (v[i] << bit));
        if (++bit == 8) {
          page_.put_byte(byte);
          byte = 0;
          bit = 0;
        }
      }
      if (bit > 0) page_.put_byte(byte);
      break;
    }
    case PhysicalType::kInt32:
      page_.put_bytes(leaf.int32_values().data() + begin, n * 4);
      break;
    case PhysicalType::kInt64:
      page_.put_bytes(leaf.int64_values().data() + begin, n * 8);
      break;
    case PhysicalType::kDouble:
      page_.put_bytes(leaf.double_values().data() + begin, n * 8);
      break;
    case PhysicalType::kByteArray: {
      const auto offsets = leaf.offsets();
      const std::string_view heap = leaf.heap();
      const std::size_t at = page_.size();
      page_.resize(at + plain_size(leaf, begin, end));
      std::uint8_t* p = page_.data() + at;
      for (std::size_t i = begin; i < end; ++i) {
        const auto len = static_cast<std::uint32_t>(offsets[i + 1] - offsets[i]);
        std::memcpy(p, &len, 4);
        std::memcpy(p + 4, heap.data() + leaf.value_start(i), len);
        p += 4 + len;
      }
      break;
    }
  }
}

void ChunkEncoder::plain_dictionary(PhysicalType physical) {
  switch (physical) {
    case PhysicalType::kInt32:
      for (const std::uint64_t e : dictionary_.fixed_entries()) page_.put_le(static_cast<std::uint32_t>(e));
      break;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      for (const std::uint64_t e : dictionary_.fixed_entries()) page_.put_le(e);
      break;
    case PhysicalType::kByteArray:
      for (const std::string_view e : dictionary_.byte_entries()) {
        page_.put_le(static_cast<std::uint32_t>(e.size()));
        page_.put_bytes(e);
      }
      break;
    case PhysicalType::kBoolean:
      break;
  }
}

Status ChunkEncoder::put_page(bool dictionary_page, std::int32_t num_values, format::Encoding encoding,
                              std::int64_t file_offset, ByteBuffer& out, ColumnChunkMeta& meta) {
  constexpr auto kMaxPage = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
  if (page_.size() > kMaxPage) {
    return make_error(ErrorCode::kLimit, fmt::format("parquet: page of {} bytes exceeds 2 GiB", page_.size()));
  }
  auto compressed = compressor_.compress(page_.view());
  if (!compressed) return std::move(compressed).error();
  if (compressed->size() > kMaxPage) return make_error(ErrorCode::kLimit, "parquet: compressed page exceeds 2 GiB");
  header_.clear();
  const auto uncompressed_size = static_cast<std::int32_t>(page_.size());
  const auto compressed_size = static_cast<std::int32_t>(compressed->size());
  if (dictionary_page) {
    write_dictionary_page_header(uncompressed_size, compressed_size, num_values, header_);
    meta.dictionary_page_offset = file_offset;
    ++meta.dictionary_pages;
  } else {
    write_data_page_header({uncompressed_size, compressed_size, num_values, encoding}, header_);
    if (meta.data_pages == 0) meta.data_page_offset = file_offset;
    ++meta.data_pages;
  }
  out.put_bytes(header_.data(), header_.size());
  out.put_bytes(compressed->data(), compressed->size());
  meta.total_uncompressed_size += static_cast<std::int64_t>(header_.size() + page_.size());
  meta.total_compressed_size += static_cast<std::int64_t>(header_.size() + compressed->size());
  return {};
}

Result<ColumnChunkMeta> ChunkEncoder::encode(const LeafColumn& leaf, const LeafInfo& info, const ChunkRange& range,
                                             const ChunkSettings& settings, std::int64_t file_offset, ByteBuffer& out,
                                             std::size_t& value_end) {
  const std::size_t lb = range.level_begin;
  const std::size_t le = range.level_end;
  const std::size_t n_levels = le - lb;
  const auto def = leaf.def_levels();
  const auto rep = leaf.rep_levels();
  const std::size_t vb = range.value_begin;
  const std::size_t n_values = info.max_def == 0 ? n_levels : count_equal(def, lb, le, info.max_def);
  const std::size_t ve = vb + n_values;
  value_end = ve;

  ColumnChunkMeta meta;
  meta.codec = codec_;
  meta.num_values = static_cast<std::int64_t>(n_levels);
  meta.statistics.null_count = static_cast<std::int64_t>(n_levels - n_values);

  // Dictionary where it pays: distinct values small enough, and dictionary + indices smaller than PLAIN.
  const std::size_t plain_bytes = plain_size(leaf, vb, ve);
  bool use_dictionary = false;
  int index_bits = 0;
  if (settings.dictionary && leaf.physical() != PhysicalType::kBoolean && n_values > 0 &&
      dictionary_.build(leaf, vb, ve, settings.max_dictionary_bytes)) {
    index_bits = std::max(1, bit_width_for(static_cast<std::uint32_t>(dictionary_.size() - 1)));
    const std::size_t dictionary_cost =
        dictionary_.plain_bytes() + (n_values * static_cast<std::size_t>(index_bits) + 7) / 8;
    use_dictionary = dictionary_cost < plain_bytes;
  }
  compute_min_max(leaf, info.type, vb, ve, use_dictionary ? &dictionary_ : nullptr, settings.max_statistics_bytes,
                  meta.statistics);

  const std::int64_t chunk_start = file_offset;
  auto offset_now = [&](std::size_t out_start) {
    return chunk_start + static_cast<std::int64_t>(out.size() - out_start);
  };
  const std::size_t out_start = out.size();

  if (use_dictionary) {
    page_.clear();
    plain_dictionary(leaf.physical());
    if (auto s = put_page(true, static_cast<std::int32_t>(dictionary_.size()), format::Encoding::kPlain,
                          offset_now(out_start), out, meta);
        !s) {
      return std::move(s).error();
    }
  }
  meta.data_encoding = use_dictionary ? format::Encoding::kRleDictionary : format::Encoding::kPlain;

  // Entries per page from the chunk's average entry size; pages end only where a row ends.
  const std::size_t level_bytes =
      n_levels * static_cast<std::size_t>(bit_width_for(info.max_def) + bit_width_for(info.max_rep)) / 8;
  const std::size_t value_bytes =
      use_dictionary ? (n_values * static_cast<std::size_t>(index_bits) + 7) / 8 : plain_bytes;
  const std::size_t total_bytes = std::max<std::size_t>(1, level_bytes + value_bytes);
  const std::size_t levels_per_page = std::max<std::size_t>(
      1, static_cast<std::size_t>(static_cast<double>(n_levels) * static_cast<double>(settings.target_page_bytes) /
                                  static_cast<double>(total_bytes)));
  // INT32 num_values in the page header.
  const std::size_t max_levels_per_page = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());

  std::size_t ps = lb;
  std::size_t value_pos = vb;
  do {
    std::size_t pe = std::min(le, ps + std::min(levels_per_page, max_levels_per_page));
    if (info.max_rep > 0) {
      while (pe < le && rep[pe] != 0) ++pe;
    }
    const std::size_t page_values = info.max_def == 0 ? pe - ps : count_equal(def, ps, pe, info.max_def);
    if (pe - ps > max_levels_per_page) return make_error(ErrorCode::kLimit, "parquet: row too large for one page");
    page_.clear();
    if (info.max_rep > 0) levels(rep.subspan(ps, pe - ps), info.max_rep);
    if (info.max_def > 0) levels(def.subspan(ps, pe - ps), info.max_def);
    if (use_dictionary) {
      page_.put_byte(static_cast<std::uint8_t>(index_bits));
      rle_hybrid_encode(dictionary_.indices().subspan(value_pos - vb, page_values), index_bits, page_);
    } else {
      plain_values(leaf, value_pos, value_pos + page_values);
    }
    if (auto s =
            put_page(false, static_cast<std::int32_t>(pe - ps), meta.data_encoding, offset_now(out_start), out, meta);
        !s) {
      return std::move(s).error();
    }
    value_pos += page_values;
    ps = pe;
  } while (ps < le);

  meta.encodings.push_back(format::Encoding::kPlain);  // values or the dictionary page
  if (use_dictionary) meta.encodings.push_back(format::Encoding::kRleDictionary);
  if (info.max_def > 0 || info.max_rep > 0) meta.encodings.push_back(format::Encoding::kRle);
  return meta;
}

}  // namespace tdump::parquet
