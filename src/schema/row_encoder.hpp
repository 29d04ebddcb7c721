#pragma once
// Turns one parsed header (or one failure) into one row of a ColumnBatch (README "Output schema").
// Scratch space is reused from row to row: the hot path allocates only when a value is larger
// than any seen before.
//
// Nothing a server or a file says can make a row unencodable: listing values that do not fit
// their column (a size past 2^63-1, a date outside years 1..9999, an ETag over 1 KiB) and tag
// values over the per-value cap are left NULL, and each such decision is one row warning
// (row_warnings()); a capped tag value also leaves a note in other_tags (docs/parquet.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/result.hpp"
#include "geo/derive.hpp"
#include "parquet/column_batch.hpp"
#include "store/object_store.hpp"
#include "tiff/cog.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::schema {

// What the fetch learnt besides the header itself.
struct FetchFacts {
  std::uint64_t header_bytes = 0;            // bytes fetched
  std::uint32_t requests = 0;                // range requests made
  std::uint32_t attempts = 0;                // HTTP attempts, retries included
  std::optional<std::uint64_t> object_size;  // from the listing, else Content-Range
};

enum class Stage : std::uint8_t { kList, kFetch, kParse };
[[nodiscard]] std::string_view to_string(Stage stage) noexcept;

// Bounds on what one row holds.
struct RowLimits {
  // Any single tag or GeoKey value larger than this (its bytes in the file, or its text in the
  // row) is left out: NULL in its column, and other_tags / other_geokeys holds
  // {"omitted_bytes": N} under its id instead. Error messages are cut to this length.
  std::size_t max_value_bytes = std::size_t{1} << 20;
  // A listed ETag longer than this is NULL.
  std::size_t max_etag_bytes = 1024;
};

// The range of `last_modified` accepted from a listing: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999Z (RFC 3339's years), in microseconds since the Unix epoch.
inline constexpr std::int64_t kMinTimestampUs = -62'135'596'800'000'000;
inline constexpr std::int64_t kMaxTimestampUs = 253'402'300'799'999'999;
inline constexpr std::uint64_t kMaxObjectSize = 0x7FFF'FFFF'FFFF'FFFF;  // the BIGINT `size` column

// Why a listed entry cannot be trusted at all (its size does not fit BIGINT: no file has
// 2^63 bytes), or nullopt when it is usable. Such a key gets one error row, stage `list`, kind
// kInvalidListingEntry, and is not read.
inline constexpr std::string_view kInvalidListingEntry = "invalid listing entry";
[[nodiscard]] std::optional<std::string> untrusted_listing_entry(const store::ObjectMeta& meta);

class RowEncoder {
 public:
  explicit RowEncoder(RowLimits limits = {}) : limits_(limits) {}

  // `geo`: what src/geo derived from IFD 0 (computed by the caller, outside any lock); null
  // leaves the derived geo columns null.
  Status append_data(parquet::ColumnBatch& batch, const store::ObjectMeta& meta, std::string_view url,
                     const tiff::TiffHeader& header, const tiff::GeoKeySet& geokeys, const tiff::CogReport& cog,
                     const FetchFacts& facts, const geo::GeoFacts* geo = nullptr);
  // Adds one line to the `warnings` of the data row being encoded (or of the next one, called
  // before append_data): e.g. a value the encoder had to cut. The header's own warnings come first.
  void add_row_warning(std::string_view text);
  // `kind` is a stable snake_case name: the TIFF error kind for parse failures ("ifd_loop"),
  // else the error category ("not found", "network error").
  Status append_error(parquet::ColumnBatch& batch, const store::ObjectMeta& meta, std::string_view url, Stage stage,
                      std::string_view kind, const Error& error, std::uint32_t attempts);

  // The warnings of the row appended last (values left NULL or out, and why), in the order they
  // were found; empty for a clean row. The hook for a `warnings` column: valid until the next
  // append_*.
  [[nodiscard]] const std::vector<std::string>& row_warnings() const noexcept { return warnings_; }

 private:
  void object_columns(parquet::ColumnBatch& batch, parquet::ColumnRef size_col, parquet::ColumnRef modified_col,
                      parquet::ColumnRef etag_col, const store::ObjectMeta& meta, std::optional<std::uint64_t> size);
  void tag_columns(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::Ifd& ifd0);
  void geokey_columns(parquet::ColumnBatch& batch, const tiff::GeoKeySet& geokeys);
  void other_tags(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::Ifd& ifd0);
  void ifds(parquet::ColumnBatch& batch, const tiff::TiffHeader& header);
  void warning_columns(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::CogReport& cog);
  void geo_columns(parquet::ColumnBatch& batch, const geo::GeoFacts& geo);
  // Text as valid UTF-8: itself when it is, else its bytes read as Latin-1.
  std::string_view utf8(std::string_view text);
  // `json_` becomes the note that stands for a value of `bytes` bytes left out.
  void omitted_note(std::uint64_t bytes);
  void warn(std::string text) { warnings_.push_back(std::move(text)); }

  RowLimits limits_;
  std::vector<const tiff::GeoKey*> others_;
  std::string json_;
  std::string text_;
  std::string shown_;      // display_key() of the path, when it is not the key itself
  std::string shown_url_;  // the same for the URL
  // Entries of IFD 0 that did not fit their column (wrong type or out of range) go to other_tags.
  std::vector<const tiff::Entry*> misfits_;
  // Entries of IFD 0 whose value was over the cap: other_tags notes it.
  std::vector<std::pair<const tiff::Entry*, std::uint64_t>> omitted_;
  std::vector<std::string> warnings_;
  // Warnings added by add_row_warning() for the current row.
  std::vector<std::string> row_warnings_;
  std::size_t row_warning_count_ = 0;
};

}  // namespace tdump::schema
