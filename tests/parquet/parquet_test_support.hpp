#pragma once
// Test helpers for src/parquet: a small value model for rows (nlohmann::json interpreted by the
// schema), a feeder that appends such rows through the row builder, the canonical form of the
// expected values, and the independent readers (DuckDB, hyparquet) run by read_parquet.mjs.
//
// Row model (a JSON object keyed by top-level column names; a missing key is null):
//   integer / timestamp columns: JSON integers (uint64 as unsigned), double: JSON floats (NaN, -0.0 allowed),
//   string / binary: JSON strings holding the raw bytes, bool: true/false,
//   struct: object, list: array, map: array of [key, value] pairs.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "parquet/column_batch.hpp"
#include "parquet/schema.hpp"
#include "parquet/writer.hpp"

namespace tdump::parquet::testing {

using nlohmann::json;

// Appends one model row through the row builder (begin_row .. end_row).
Status feed_row(ColumnBatch& batch, const json& row);

// The canonical form read_parquet.mjs prints for the same row.
json canonical_row(const Schema& schema, const json& row);
json canonical_double(double v);

// Writes model rows to `path` in one batch.
Status write_rows(const std::filesystem::path& path, const SchemaPtr& schema, const std::vector<json>& rows,
                  const WriterOptions& options = {});

struct ReadRequest {
  std::string reader;  // "duckdb" or "hyparquet"
  std::filesystem::path path;
};
// One node run for all requests; each result is {"rows": [...]} or {"error": "..."}.
std::vector<json> read_with(const std::vector<ReadRequest>& requests);
// Rows of one file by one reader; throws std::runtime_error with the reader's message.
json read_rows(const std::string& reader, const std::filesystem::path& path);

// The canonical rows expected for model rows.
json canonical_rows(const Schema& schema, const std::vector<json>& rows);

// SQL string literal of a path.
std::string sql_path(const std::filesystem::path& path);

}  // namespace tdump::parquet::testing
