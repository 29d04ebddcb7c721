#include "parquet/writer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "parquet/level_scan.hpp"

namespace tdump::parquet {

namespace {
constexpr std::string_view kMagic = "PAR1";
}

std::string created_by_string() {
  return fmt::format("tiff-dumper version {} (parquet writer)", TDUMP_VERSION);
}

ParquetWriter::ParquetWriter(SchemaPtr schema, WriterOptions options)
    : schema_(std::move(schema)), options_(std::move(options)), encoder_(options_.compression, options_.zstd_level) {}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::make(SchemaPtr schema, WriterOptions options) {
  auto invalid = [](std::string m) {
    return make_error(ErrorCode::kInvalidArgument, "parquet writer: " + std::move(m));
  };
  if (!schema) return invalid("no schema");
  if (options.max_row_group_rows == 0) return invalid("max_row_group_rows must be > 0");
  if (options.target_row_group_bytes == 0) return invalid("target_row_group_bytes must be > 0");
  if (options.target_page_bytes == 0) return invalid("target_page_bytes must be > 0");
  if (options.compression == Compression::kZstd && (options.zstd_level < -7 || options.zstd_level > 22)) {
    return invalid(fmt::format("zstd level {} outside -7..22", options.zstd_level));
  }
  for (const auto& entry : options.column_dictionary) {
    const std::string& path = entry.first;
    const auto& leaves = schema->leaves();
    if (std::none_of(leaves.begin(), leaves.end(), [&](const LeafInfo& l) { return l.dotted_path == path; })) {
      return invalid(fmt::format("column_dictionary names unknown column '{}'", path));
    }
  }
  std::unique_ptr<ParquetWriter> w(new ParquetWriter(std::move(schema), std::move(options)));
  for (const LeafInfo& leaf : w->schema_->leaves()) {
    ChunkSettings s;
    const auto override_it = w->options_.column_dictionary.find(leaf.dotted_path);
    s.dictionary = override_it != w->options_.column_dictionary.end() ? override_it->second : w->options_.dictionary;
    s.max_dictionary_bytes = w->options_.max_dictionary_bytes;
    s.target_page_bytes = w->options_.target_page_bytes;
    s.max_statistics_bytes = w->options_.max_statistics_bytes;
    w->settings_.push_back(s);
  }
  return w;
}

Status ParquetWriter::fail(Error error) {
  file_.abort();
  row_groups_.clear();
  return error;
}

Status ParquetWriter::open(const std::filesystem::path& path) {
  if (file_.is_open()) return make_error(ErrorCode::kInvalidArgument, "parquet writer: a file is already open");
  auto f = OutputFile::create(path);
  if (!f) return std::move(f).error();
  file_ = std::move(*f);
  row_groups_.clear();
  rows_ = 0;
  if (auto s = file_.write(kMagic); !s) return fail(std::move(s).error());
  return {};
}

Status ParquetWriter::write(const ColumnBatch& batch) {
  if (!file_.is_open()) return make_error(ErrorCode::kInvalidArgument, "parquet writer: write() without open()");
  if (batch.schema() != schema_) {
    return fail(make_error(ErrorCode::kInvalidArgument, "parquet writer: batch built for another schema object"));
  }
  if (batch.row_open()) {
    return fail(make_error(ErrorCode::kInvalidArgument, "parquet writer: batch has a row begun but not ended"));
  }
  // Row-builder batches are valid by construction; levels appended by hand are checked.
  if (batch.raw_used()) {
    if (auto s = batch.validate(); !s) return fail(std::move(s).error());
  }
  const std::size_t rows = batch.num_rows();
  if (rows == 0) return {};
  // Rows per group: the row cap, lowered so a group's raw size stays near the byte target.
  std::size_t per_group = options_.max_row_group_rows;
  const std::size_t bytes = batch.buffered_bytes();
  if (bytes > 0) {
    const double by_bytes =
        static_cast<double>(options_.target_row_group_bytes) * static_cast<double>(rows) / static_cast<double>(bytes);
    per_group = std::clamp<std::size_t>(static_cast<std::size_t>(by_bytes), 1, per_group);
  }
  level_pos_.assign(schema_->num_leaves(), 0);
  value_pos_.assign(schema_->num_leaves(), 0);
  for (std::size_t done = 0; done < rows;) {
    const std::size_t n = std::min(per_group, rows - done);
    if (auto s = write_row_group(batch, n); !s) return fail(std::move(s).error());
    done += n;
  }
  return {};
}

Status ParquetWriter::write_row_group(const ColumnBatch& batch, std::size_t rows) {
  RowGroupMeta rg;
  rg.num_rows = static_cast<std::int64_t>(rows);
  rg.file_offset = file_.position();
  rg.columns.reserve(schema_->num_leaves());
  for (std::size_t i = 0; i < schema_->num_leaves(); ++i) {
    const LeafColumn& leaf = batch.leaf(i);
    const LeafInfo& info = schema_->leaves()[i];
    ChunkRange range;
    range.level_begin = level_pos_[i];
    range.value_begin = value_pos_[i];
    // The chunk ends where row number `rows` (counted from the chunk's start) begins.
    if (info.max_rep == 0) {
      range.level_end = range.level_begin + rows;
    } else {
      // Entries up to the start of row number `rows` (or all of them for the batch's last group).
      const auto rep = leaf.rep_levels();
      range.level_end =
          range.level_begin + find_nth_zero(rep.data() + range.level_begin, rep.size() - range.level_begin, rows);
    }
    chunk_.clear();
    std::size_t value_end = 0;
    auto meta = encoder_.encode(leaf, info, range, settings_[i], file_.position(), chunk_, value_end);
    if (!meta) return std::move(meta).error();
    if (auto s = file_.write(chunk_.view()); !s) return s;
    rg.total_byte_size += meta->total_uncompressed_size;
    rg.total_compressed_size += meta->total_compressed_size;
    rg.columns.push_back(std::move(*meta));
    level_pos_[i] = range.level_end;
    value_pos_[i] = value_end;
  }
  rows_ += rg.num_rows;
  row_groups_.push_back(std::move(rg));
  return {};
}

Status ParquetWriter::close() {
  return close(KeyValueList{});
}

Status ParquetWriter::close(const KeyValueList& file_key_values) {
  if (!file_.is_open()) return make_error(ErrorCode::kInvalidArgument, "parquet writer: close() without open()");
  KeyValueList kv;
  kv.emplace_back("tiff-dumper.parquet_writer", fmt::format("tiff-dumper {}", TDUMP_VERSION));
  kv.insert(kv.end(), options_.key_value_metadata.begin(), options_.key_value_metadata.end());
  kv.insert(kv.end(), file_key_values.begin(), file_key_values.end());
  chunk_.clear();
  write_file_metadata(*schema_, row_groups_, rows_, kv, created_by_string(), chunk_);
  const auto footer_size = static_cast<std::uint32_t>(chunk_.size());
  chunk_.put_le(footer_size);
  chunk_.put_bytes(kMagic);
  if (auto s = file_.write(chunk_.view()); !s) return fail(std::move(s).error());
  const std::int64_t size = file_.position();
  if (auto s = file_.commit(options_.fsync); !s) return fail(std::move(s).error());
  last_file_bytes_ = size;
  row_groups_.clear();
  return {};
}

void ParquetWriter::abort() noexcept {
  file_.abort();
  row_groups_.clear();
}

Status write_parquet_file(const std::filesystem::path& path, const ColumnBatch& batch, const WriterOptions& options) {
  auto writer = ParquetWriter::make(batch.schema(), options);
  if (!writer) return std::move(writer).error();
  if (auto s = (*writer)->open(path); !s) return s;
  if (auto s = (*writer)->write(batch); !s) return s;
  return (*writer)->close();
}

}  // namespace tdump::parquet
