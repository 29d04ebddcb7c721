#pragma once
// Turns one parsed header (or one failure) into one row of a ColumnBatch (BRIEF §3).
// Scratch space is reused from row to row: the hot path allocates only when a value is larger
// than any seen before.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/result.hpp"
#include "geo/derive.hpp"
#include "parquet/column_batch.hpp"
#include "store/object_store.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::dump {

// What the fetch learnt besides the header itself.
struct FetchFacts {
  std::uint64_t header_bytes = 0;            // bytes fetched
  std::uint32_t requests = 0;                // range requests made
  std::uint32_t attempts = 0;                // HTTP attempts, retries included
  std::optional<std::uint64_t> object_size;  // from the listing, else Content-Range
};

enum class Stage : std::uint8_t { kList, kFetch, kParse };
[[nodiscard]] std::string_view to_string(Stage stage) noexcept;

class RowEncoder {
 public:
  // `geo`: what src/geo derived from IFD 0 (computed by the caller, outside any lock); null
  // leaves the derived geo columns null.
  Status append_data(parquet::ColumnBatch& batch, const store::ObjectMeta& meta, std::string_view url,
                     const tiff::TiffHeader& header, const tiff::GeoKeySet& geokeys, const FetchFacts& facts,
                     const geo::GeoFacts* geo = nullptr);
  // `kind` is a stable snake_case name: the TIFF error kind for parse failures ("ifd_loop"),
  // else the error category ("not found", "network error").
  Status append_error(parquet::ColumnBatch& batch, const store::ObjectMeta& meta, std::string_view url, Stage stage,
                      std::string_view kind, const Error& error, std::uint32_t attempts);

 private:
  void tag_columns(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::Ifd& ifd0);
  void geokey_columns(parquet::ColumnBatch& batch, const tiff::GeoKeySet& geokeys);
  void other_tags(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::Ifd& ifd0);
  void ifds(parquet::ColumnBatch& batch, const tiff::TiffHeader& header);
  void geo_columns(parquet::ColumnBatch& batch, const geo::GeoFacts& geo);
  // Text as valid UTF-8: itself when it is, else its bytes read as Latin-1.
  std::string_view utf8(std::string_view text);

  std::vector<const tiff::GeoKey*> others_;
  std::string json_;
  std::string text_;
  // Entries of IFD 0 that did not fit their column (wrong type or out of range) go to other_tags.
  std::vector<const tiff::Entry*> misfits_;
};

}  // namespace tdump::dump
