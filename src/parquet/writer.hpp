#pragma once
// ParquetWriter: writes ColumnBatches to Parquet files. One writer can write many files one
// after the other (open/write/close, again), keeping its encoding and compression buffers, so
// a pipeline that writes file after file stops allocating once warmed up.
//
//   auto writer = ParquetWriter::make(schema, options).value();
//   if (auto s = writer->open("out/part-0.parquet"); !s) ...
//   if (auto s = writer->write(batch); !s) ...   // rows are split into row groups by rows and bytes
//   if (auto s = writer->close(); !s) ...        // footer, fsync, rename into place
//
// Every failure removes the temporary file and closes the writer; the final path only ever
// holds a complete file.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "parquet/byte_buffer.hpp"
#include "parquet/chunk_encoder.hpp"
#include "parquet/column_batch.hpp"
#include "parquet/compressor.hpp"
#include "parquet/metadata.hpp"
#include "parquet/output_file.hpp"
#include "parquet/schema.hpp"

namespace tdump::parquet {

struct WriterOptions {
  Compression compression = Compression::kSnappy;
  int zstd_level = 3;
  // A row group ends at whichever comes first (bytes are the batch's raw, unencoded size).
  std::size_t max_row_group_rows = 1'000'000;
  std::size_t target_row_group_bytes = std::size_t{128} << 20;
  std::size_t target_page_bytes = std::size_t{1} << 20;
  // Dictionary encoding, per column where it pays; falls back to PLAIN past max_dictionary_bytes.
  bool dictionary = true;
  std::size_t max_dictionary_bytes = std::size_t{1} << 20;
  // Per-column override of `dictionary`, by dotted path ("geokeys.citation", "ifds.list.element.width").
  std::map<std::string, bool> column_dictionary;
  // Byte-array statistics bounds longer than this are not written.
  std::size_t max_statistics_bytes = 4096;
  // Added to the footer after the writer's own entry.
  KeyValueList key_value_metadata;
  // fsync the file and its directory before/after the rename.
  bool fsync = true;
};

// "tiff-dumper version X (parquet writer)".
[[nodiscard]] std::string created_by_string();

class ParquetWriter {
 public:
  static Result<std::unique_ptr<ParquetWriter>> make(SchemaPtr schema, WriterOptions options);

  Status open(const std::filesystem::path& path);
  // Writes the batch's rows (none is fine) as one or more row groups of the open file.
  Status write(const ColumnBatch& batch);
  Status close();
  // The same, with key-value metadata of this file only, after the options' entries (e.g. a
  // summary of the rows written, known only now).
  Status close(const KeyValueList& file_key_values);
  // Abandons the open file (removes the temporary file).
  void abort() noexcept;

  [[nodiscard]] bool is_open() const noexcept { return file_.is_open(); }
  [[nodiscard]] std::int64_t rows_in_file() const noexcept { return rows_; }
  // Bytes of the last closed file.
  [[nodiscard]] std::int64_t last_file_bytes() const noexcept { return last_file_bytes_; }
  [[nodiscard]] const SchemaPtr& schema() const noexcept { return schema_; }

 private:
  ParquetWriter(SchemaPtr schema, WriterOptions options);
  Status write_row_group(const ColumnBatch& batch, std::size_t rows);
  Status fail(Error error);

  SchemaPtr schema_;
  WriterOptions options_;
  std::vector<ChunkSettings> settings_;  // per leaf
  ChunkEncoder encoder_;
  OutputFile file_;
  std::vector<RowGroupMeta> row_groups_;
  std::int64_t rows_ = 0;
  std::int64_t last_file_bytes_ = 0;
  // Per-leaf cursors into the batch being written (levels and values already written).
  std::vector<std::size_t> level_pos_;
  std::vector<std::size_t> value_pos_;
  ByteBuffer chunk_;
};

// Writes one batch to one file with a throw-away writer.
Status write_parquet_file(const std::filesystem::path& path, const ColumnBatch& batch, const WriterOptions& options);

}  // namespace tdump::parquet
