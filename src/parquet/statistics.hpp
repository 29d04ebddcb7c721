#pragma once
// Column chunk statistics: null count, min/max in the sort order the spec defines for the
// column's logical type (signed or unsigned integers, IEEE doubles without NaN, unsigned
// byte-wise for strings and binary), encoded as PLAIN values without length prefix.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "parquet/dictionary.hpp"
#include "parquet/leaf_column.hpp"
#include "parquet/schema.hpp"

namespace tdump::parquet {

struct ChunkStatistics {
  std::int64_t null_count = 0;
  std::optional<std::int64_t> nan_count;  // DOUBLE columns only
  bool has_min_max = false;
  std::string min_value;
  std::string max_value;
};

// Statistics of values [begin, end) of `leaf` (`null_count` is the caller's: entries minus values).
// With a dictionary built over the same values, only its distinct entries are scanned.
// Byte-array bounds longer than max_bound_bytes are left out rather than stored huge.
void compute_min_max(const LeafColumn& leaf, ColumnType type, std::size_t begin, std::size_t end,
                     const DictionaryBuilder* dictionary, std::size_t max_bound_bytes, ChunkStatistics& out);

}  // namespace tdump::parquet
