#pragma once
// The footer (FileMetaData) and page headers, serialized with the compact protocol. Field ids
// and types follow parquet.thrift; only the fields this writer fills are written.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parquet/byte_buffer.hpp"
#include "parquet/format.hpp"
#include "parquet/schema.hpp"
#include "parquet/statistics.hpp"

namespace tdump::parquet {

struct ColumnChunkMeta {
  std::vector<format::Encoding> encodings;
  format::Codec codec = format::Codec::kUncompressed;
  std::int64_t num_values = 0;  // entries (values and nulls)
  std::int64_t total_uncompressed_size = 0;
  std::int64_t total_compressed_size = 0;
  std::int64_t data_page_offset = 0;
  std::optional<std::int64_t> dictionary_page_offset;
  ChunkStatistics statistics;
  // Page counts by kind, for encoding_stats.
  std::int32_t dictionary_pages = 0;
  std::int32_t data_pages = 0;
  format::Encoding data_encoding = format::Encoding::kPlain;
};

struct RowGroupMeta {
  std::vector<ColumnChunkMeta> columns;  // one per leaf, in schema order
  std::int64_t num_rows = 0;
  std::int64_t total_byte_size = 0;  // uncompressed
  std::int64_t total_compressed_size = 0;
  std::int64_t file_offset = 0;
};

using KeyValueList = std::vector<std::pair<std::string, std::string>>;

struct DataPageHeaderFields {
  std::int32_t uncompressed_size = 0;
  std::int32_t compressed_size = 0;
  std::int32_t num_values = 0;
  format::Encoding encoding = format::Encoding::kPlain;
};

void write_data_page_header(const DataPageHeaderFields& page, ByteBuffer& out);
void write_dictionary_page_header(std::int32_t uncompressed_size, std::int32_t compressed_size,
                                  std::int32_t num_entries, ByteBuffer& out);

void write_file_metadata(const Schema& schema, const std::vector<RowGroupMeta>& row_groups, std::int64_t num_rows,
                         const KeyValueList& key_values, const std::string& created_by, ByteBuffer& out);

}  // namespace tdump::parquet
