#pragma once
// The statistics `tiff-dumper report` shows, gathered while `headers` writes its rows, so a report
// on 10^8 rows never rereads the Parquet files (issue 11). Each shard keeps one Aggregates and
// writes it into its manifest under "aggregates"; `report` merges the shards' values.
//
// Every part is bounded whatever the input: breakdowns keep at most kMaxCategories keys each
// (later keys count under "other"), errors at most kMaxErrorKinds (stage, kind) pairs with
// kMaxExamples example paths each, histograms have fixed buckets, the coverage grid has
// kGridColumns x kGridRows cells. So a manifest's "aggregates" stays small, and from_json()
// refuses anything larger than what to_json() could have written.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.hpp"

namespace tdump::tiff {
struct TiffHeader;
struct CogReport;
}  // namespace tdump::tiff
namespace tdump::geo {
struct GeoFacts;
}

namespace tdump::report {

inline constexpr std::size_t kMaxCategories = 256;  // keys per breakdown, "other" included
inline constexpr std::size_t kMaxErrorKinds = 256;  // (stage, kind) pairs
inline constexpr std::size_t kMaxExamples = 3;      // example paths per error kind
inline constexpr std::size_t kMaxLabelBytes = 200;  // a breakdown key or error kind
inline constexpr std::size_t kMaxExampleBytes = 512;
inline constexpr std::string_view kOther = "other";
// Coverage grid: 2-degree cells over lon -180..180, lat -90..90; cell = row * kGridColumns + col,
// row 0 at the north.
inline constexpr int kGridDegrees = 2;
inline constexpr int kGridColumns = 360 / kGridDegrees;
inline constexpr int kGridRows = 180 / kGridDegrees;
// File sizes: bucket b holds sizes in [2^(b-1), 2^b) (bucket 0: size 0).
inline constexpr std::size_t kSizeBuckets = 65;
// Pixel sizes: bucket b holds |pixel width| in [2^(b + kResolutionMinLog2), 2^(b + 1 + ...)),
// clamped at both ends.
inline constexpr int kResolutionMinLog2 = -40;
inline constexpr std::size_t kResolutionBuckets = 81;  // 2^-40 .. 2^40

// The facts of one data row the aggregates need (plain values: unit tests build them by hand).
struct FileFacts {
  std::optional<std::uint64_t> size;
  std::string compression;  // "deflate", "none", "code 65000"...
  std::string dtype;        // empty: none
  std::string block;        // "tiles 512x512", "strips"
  std::uint32_t overviews = 0;
  std::string crs;  // "EPSG:4326", "user-defined", "none"
  std::optional<double> pixel_size;
  bool geographic = false;                    // pixel_size in degrees (else in the projected CRS's units)
  std::optional<std::array<double, 4>> bbox;  // west, south, east, north (west > east across the antimeridian)
  std::optional<bool> is_cog;                 // empty: unknown
  std::vector<std::string> cog_errors;        // stable rule names
};

// The facts of a data row from what the pipeline holds when it encodes it.
[[nodiscard]] FileFacts facts_of(const tiff::TiffHeader& header, const tiff::CogReport& cog, const geo::GeoFacts* geo,
                                 std::optional<std::uint64_t> size);
// TIFF Compression (259) as a short name.
[[nodiscard]] std::string compression_name(std::uint32_t code);

struct ErrorEntry {
  std::uint64_t count = 0;
  std::vector<std::string> examples;  // display_key() of the first few paths, at most kMaxExamples
  friend bool operator==(const ErrorEntry&, const ErrorEntry&) = default;
};

using Counts = std::map<std::string, std::uint64_t, std::less<>>;

class Aggregates {
 public:
  void add(const FileFacts& facts);
  // One error row: `key` is the object key as listed (any bytes: shown with display_key()).
  void add_error(std::string_view key, std::string_view stage, std::string_view kind);
  void merge(const Aggregates& other);

  // The totals of the run the aggregates belong to (set once per shard, summed by merge).
  void set_run_totals(std::uint64_t listed, std::uint64_t resumed_past) {
    listed_ = listed;
    resumed_past_ = resumed_past;
  }

  [[nodiscard]] nlohmann::json to_json() const;
  // Refuses (kParse) anything to_json() could not have written: wrong types, too many keys,
  // overlong strings, buckets or cells out of range.
  static Result<Aggregates> from_json(const nlohmann::json& json);

  [[nodiscard]] std::uint64_t listed() const noexcept { return listed_; }
  [[nodiscard]] std::uint64_t resumed_past() const noexcept { return resumed_past_; }
  [[nodiscard]] std::uint64_t written() const noexcept { return written_; }
  [[nodiscard]] std::uint64_t failed() const noexcept { return failed_; }
  [[nodiscard]] const Counts& crs() const noexcept { return crs_; }
  [[nodiscard]] const Counts& compression() const noexcept { return compression_; }
  [[nodiscard]] const Counts& dtype() const noexcept { return dtype_; }
  [[nodiscard]] const Counts& block() const noexcept { return block_; }
  [[nodiscard]] const Counts& overviews() const noexcept { return overviews_; }
  [[nodiscard]] const Counts& cog() const noexcept { return cog_; }
  [[nodiscard]] const Counts& cog_errors() const noexcept { return cog_errors_; }
  [[nodiscard]] const std::map<std::string, ErrorEntry, std::less<>>& errors() const noexcept { return errors_; }
  [[nodiscard]] const std::array<std::uint64_t, kSizeBuckets>& size_histogram() const noexcept { return sizes_; }
  [[nodiscard]] const std::array<std::uint64_t, kResolutionBuckets>& resolution_degrees() const noexcept {
    return res_degrees_;
  }
  [[nodiscard]] const std::array<std::uint64_t, kResolutionBuckets>& resolution_projected() const noexcept {
    return res_projected_;
  }
  [[nodiscard]] const std::map<std::uint32_t, std::uint64_t>& grid() const noexcept { return grid_; }
  [[nodiscard]] std::uint64_t unsized() const noexcept { return unsized_; }
  [[nodiscard]] std::uint64_t no_footprint() const noexcept { return no_footprint_; }
  [[nodiscard]] std::uint64_t size_sum() const noexcept { return size_sum_; }

  friend bool operator==(const Aggregates&, const Aggregates&) = default;

  // The breakdowns a data row counts in once each (cog_errors: once per rule it breaks).
  enum class Breakdown : std::uint8_t { kCompression, kDtype, kBlock, kOverviews, kCrs, kCog, kCogErrors };
  // The counter `key` counts in from now on: its own, or "other" once the breakdown is full (what
  // add() would increment). It stays valid, and stays this key's counter, as long as this
  // Aggregates lives unmerged: counters are never erased, and a key (at most kMaxLabelBytes long)
  // that went to "other" finds no place later either.
  std::uint64_t* counter(Breakdown breakdown, std::string_view key);
  // The parts of add() that are plain numbers: written, size, resolution and grid.
  void add_numbers(std::optional<std::uint64_t> size, std::optional<double> pixel_size, bool geographic,
                   const std::optional<std::array<double, 4>>& bbox);
  // add_numbers() in parts: written and size; the resolution histogram's counter of a pixel
  // size (null: none counted); the grid's counter of a bbox (no_footprint's when it has no cell).
  // The counters stay valid, and stay theirs, as counter()'s do.
  void add_size(std::optional<std::uint64_t> size);
  std::uint64_t* resolution_counter(std::optional<double> pixel_size, bool geographic);
  std::uint64_t* grid_counter(const std::optional<std::array<double, 4>>& bbox);
  // One more row in a counter from counter() (saturating, as every count here).
  static void bump(std::uint64_t* counter) noexcept {
    if (*counter != UINT64_MAX) ++*counter;
  }

  // The key of the errors map: stage and kind joined by '/'.
  static std::string error_key(std::string_view stage, std::string_view kind);
  // The grid cell of a bbox (its centre; across the antimeridian, the centre of the wrapped box).
  static std::optional<std::uint32_t> cell_of(const std::array<double, 4>& bbox);

 private:
  Counts& counts_of(Breakdown breakdown) noexcept;

  std::uint64_t listed_ = 0;
  std::uint64_t resumed_past_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t size_sum_ = 0;
  std::uint64_t unsized_ = 0;
  std::uint64_t no_footprint_ = 0;
  Counts crs_, compression_, dtype_, block_, overviews_, cog_, cog_errors_;
  std::map<std::string, ErrorEntry, std::less<>> errors_;
  std::array<std::uint64_t, kSizeBuckets> sizes_{};
  std::array<std::uint64_t, kResolutionBuckets> res_degrees_{};
  std::array<std::uint64_t, kResolutionBuckets> res_projected_{};
  std::map<std::uint32_t, std::uint64_t> grid_;
};

// The categorical facts of a data row as small values (no text): what the breakdowns other
// than cog_errors count it under. Rows of one kind (same codec, block, CRS...) are most of a
// bucket, so SharedAggregates formats a kind's labels once and keeps its counters.
struct RowKind {
  bool has_image = false;  // an IFD 0: compression and block are known
  bool tiled = false;
  std::uint32_t compression = 0;
  std::uint64_t tile_width = 0, tile_height = 0;
  std::uint32_t overviews = 0;
  std::string_view dtype;  // empty: none
  enum class Crs : std::uint8_t { kNone, kEpsg, kUserDefined } crs = Crs::kNone;
  std::int32_t epsg = 0;
  std::optional<bool> is_cog;
  friend bool operator==(const RowKind&, const RowKind&) = default;
};
// The kind of a data row, and the other facts add() needs, from what the pipeline holds: the
// same values facts_of() gives (which formats them as text).
[[nodiscard]] RowKind kind_of(const tiff::TiffHeader& header, const tiff::CogReport& cog, const geo::GeoFacts* geo);

// Aggregates fed from many threads (the pipeline's I/O threads): one mutex around one value.
// A data row costs one look-up of its RowKind and a few increments under the lock: the labels
// of a kind are formatted, and its counters found, the first time the kind is seen (so the
// counts, "other" included, are those Aggregates::add(facts_of(...)) makes in the same order).
class SharedAggregates {
 public:
  void add_data(const tiff::TiffHeader& header, const tiff::CogReport& cog, const geo::GeoFacts* geo,
                std::optional<std::uint64_t> size);
  void add_error(std::string_view key, std::string_view stage, std::string_view kind);
  // The "aggregates" value of a manifest.
  [[nodiscard]] nlohmann::json to_json(std::uint64_t listed, std::uint64_t resumed_past) const;
  // Kinds kept before the cache starts over (a bucket of ever-new tile sizes or CRSs must not
  // grow it without bound; the counts do not depend on it).
  static constexpr std::size_t kMaxKinds = 4096;

 private:
  struct KindHash {
    std::size_t operator()(const RowKind& k) const noexcept;
  };
  // compression, dtype, block, overviews, crs, cog: pointers to value_'s counters.
  using KindCounters = std::array<std::uint64_t*, 6>;
  static constexpr std::size_t kCogRules = 14;  // tiff::CogRule values

  mutable std::mutex mutex_;
  Aggregates value_;                                           // guarded by mutex_
  std::unordered_map<RowKind, KindCounters, KindHash> kinds_;  // guarded by mutex_
  std::set<std::string, std::less<>> dtypes_;              // guarded by mutex_: the dtype texts the keys of kinds_ view
  std::array<std::uint64_t*, kCogRules> rule_counters_{};  // guarded by mutex_; null: not looked up yet
  // The resolution and grid counters of a footprint the deriver cached, by its id (the same id:
  // the same grid, CRS and bbox), in a few direct-mapped slots (a new id takes the slot's place).
  struct GridCounters {
    std::uint64_t id = 0;  // 0: empty
    std::uint64_t* resolution = nullptr;
    std::uint64_t* cell = nullptr;
  };
  static constexpr unsigned kGridSlotBits = 8;
  std::array<GridCounters, std::size_t{1} << kGridSlotBits> grids_{};  // guarded by mutex_
};

}  // namespace tdump::report
