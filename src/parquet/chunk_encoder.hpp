#pragma once
// Encodes one leaf's entries of one row group into a column chunk: an optional dictionary page,
// then data pages (v1) of about the target size that each begin at a row boundary, every page
// compressed on its own. Scratch buffers are members, reused from chunk to chunk.
#include <cstddef>
#include <cstdint>

#include "common/result.hpp"
#include "parquet/byte_buffer.hpp"
#include "parquet/compressor.hpp"
#include "parquet/dictionary.hpp"
#include "parquet/leaf_column.hpp"
#include "parquet/metadata.hpp"
#include "parquet/schema.hpp"

namespace tdump::parquet {

struct ChunkSettings {
  bool dictionary = true;
  std::size_t max_dictionary_bytes = 1 << 20;
  std::size_t target_page_bytes = 1 << 20;
  std::size_t max_statistics_bytes = 4096;
};

struct ChunkRange {
  std::size_t level_begin = 0;
  std::size_t level_end = 0;
  std::size_t value_begin = 0;  // the chunk's values start here; the end follows from the levels
};

class ChunkEncoder {
 public:
  ChunkEncoder(Compression compression, int zstd_level)
      : compressor_(compression, zstd_level), codec_(codec_of(compression)) {}

  // Appends the chunk's pages to `out`; `file_offset` is where out's current end will sit in the file.
  // Returns the chunk's metadata; `value_end` receives the index after the chunk's last value.
  Result<ColumnChunkMeta> encode(const LeafColumn& leaf, const LeafInfo& info, const ChunkRange& range,
                                 const ChunkSettings& settings, std::int64_t file_offset, ByteBuffer& out,
                                 std::size_t& value_end);

 private:
  Status put_page(bool dictionary_page, std::int32_t num_values, format::Encoding encoding, std::int64_t file_offset,
                  ByteBuffer& out, ColumnChunkMeta& meta);
  void plain_values(const LeafColumn& leaf, std::size_t begin, std::size_t end);
  void plain_dictionary(PhysicalType physical);
  void levels(std::span<const std::uint8_t> levels, std::uint8_t max_level);

  Compressor compressor_;
  format::Codec codec_;
  DictionaryBuilder dictionary_;
  ByteBuffer page_;    // the uncompressed body of the page being built
  ByteBuffer header_;  // its serialized header
};

}  // namespace tdump::parquet
