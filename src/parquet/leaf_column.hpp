#pragma once
// LeafColumn: the buffered levels and values of one leaf column, in Parquet's shredded form
// (Dremel): one (definition level, repetition level) entry per value or null, and the non-null
// values alone. This is also the low-level API: callers that compute levels themselves append
// here directly (ColumnBatch::raw), the row builder (ColumnBatch) appends here for everyone else.
//
// Levels are stored only when the leaf can have them (max_def > 0 / max_rep > 0), values in the
// vector of the leaf's physical type; byte arrays are copied into one arena with an offset table,
// so a string costs no allocation of its own. clear() keeps every capacity.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/pod_vector.hpp"
#include "parquet/schema.hpp"

namespace tdump::parquet {

class LeafColumn {
 public:
  LeafColumn(PhysicalType physical, std::uint8_t max_def, std::uint8_t max_rep)
      : physical_(physical), max_def_(max_def), max_rep_(max_rep) {
    offsets_.push_back(0);
  }

  // One entry whose value is present (definition level = max_def). rep is ignored when max_rep == 0.
  [[gnu::always_inline]] void add_bool(bool v, std::uint8_t rep = 0) {
    add_levels(max_def_, rep);
    bools_.push_back(v ? 1 : 0);
    bytes_ += 1;
  }
  [[gnu::always_inline]] void add_int32(std::int32_t v, std::uint8_t rep = 0) {
    add_levels(max_def_, rep);
    i32_.push_back(v);
    bytes_ += 4;
  }
  [[gnu::always_inline]] void add_int64(std::int64_t v, std::uint8_t rep = 0) {
    add_levels(max_def_, rep);
    i64_.push_back(v);
    bytes_ += 8;
  }
  [[gnu::always_inline]] void add_double(double v, std::uint8_t rep = 0) {
    add_levels(max_def_, rep);
    f64_.push_back(v);
    bytes_ += 8;
  }
  [[gnu::always_inline]] void add_bytes(std::string_view v, std::uint8_t rep = 0) {
    add_levels(max_def_, rep);
    if (shared_) {
      starts_.push_back(heap_.size());
      bytes_ += 8;
    }
    heap_.append(v);
    offsets_.push_back(offsets_.back() + v.size());
    bytes_ += 4 + v.size();
  }
  // The same, for a value the caller passes again and again (e.g. a cached CRS's PROJJSON),
  // named by `id`: the caller guarantees that one id always names the same bytes. A value whose
  // id was seen lately is stored once per batch (recent ids are remembered, a few).
  void add_shared_bytes(std::string_view v, std::uint64_t id, std::uint8_t rep = 0);
  // One entry without a value: def < max_def says which ancestor (or the leaf) is null/empty.
  [[gnu::always_inline]] void add_null(std::uint8_t def, std::uint8_t rep = 0) { add_levels(def, rep); }

  // Bulk form: levels for n entries (def is ignored when max_def == 0, rep when max_rep == 0).
  void add_levels_bulk(std::span<const std::uint8_t> def, std::span<const std::uint8_t> rep, std::size_t n);
  void add_int32_values(std::span<const std::int32_t> v) {
    i32_.append(v);
    bytes_ += v.size() * 4;
  }
  void add_int64_values(std::span<const std::int64_t> v) {
    i64_.append(v);
    bytes_ += v.size() * 8;
  }
  void add_double_values(std::span<const double> v) {
    f64_.append(v);
    bytes_ += v.size() * 8;
  }

  void clear();

  [[nodiscard]] PhysicalType physical() const noexcept { return physical_; }
  [[nodiscard]] std::uint8_t max_def() const noexcept { return max_def_; }
  [[nodiscard]] std::uint8_t max_rep() const noexcept { return max_rep_; }
  // Entries (values and nulls); a required top-level leaf has exactly one per value.
  [[nodiscard]] std::size_t num_levels() const noexcept { return max_def_ > 0 ? def_.size() : num_values(); }
  // Entries starting a row (repetition level 0): O(entries) for repeated leaves.
  [[nodiscard]] std::size_t num_row_starts() const noexcept;
  [[nodiscard]] std::size_t num_values() const noexcept;
  [[nodiscard]] std::span<const std::uint8_t> def_levels() const noexcept { return def_; }
  [[nodiscard]] std::span<const std::uint8_t> rep_levels() const noexcept { return rep_; }
  [[nodiscard]] std::span<const std::uint8_t> bool_values() const noexcept { return bools_; }
  [[nodiscard]] std::span<const std::int32_t> int32_values() const noexcept { return i32_; }
  [[nodiscard]] std::span<const std::int64_t> int64_values() const noexcept { return i64_; }
  [[nodiscard]] std::span<const double> double_values() const noexcept { return f64_; }
  // Byte array i is offsets()[i+1] - offsets()[i] bytes long (offsets are the running total of
  // the values' lengths) and starts at heap()[value_start(i)] (== offsets()[i] unless shared
  // values were added).
  [[nodiscard]] std::span<const std::uint64_t> offsets() const noexcept { return offsets_; }
  [[nodiscard]] std::string_view heap() const noexcept { return heap_; }
  [[nodiscard]] std::uint64_t value_start(std::size_t i) const noexcept { return shared_ ? starts_[i] : offsets_[i]; }
  // Whether values may share bytes (equal starts mean equal values).
  [[nodiscard]] bool has_shared_values() const noexcept { return shared_; }
  [[nodiscard]] std::string_view bytes_at(std::size_t i) const noexcept {
    return std::string_view(heap_).substr(value_start(i), offsets_[i + 1] - offsets_[i]);
  }
  // Raw size of the buffered data (levels + values), for row-group sizing: kept up to date by
  // every append (the row writer asks for it after every row), equal to recount_bytes().
  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return bytes_; }
  // The same, computed from the buffers (for truncate_rows() and tests).
  [[nodiscard]] std::size_t recount_bytes() const noexcept;

  // Drops the entries after the first `keep_row_starts` rows (a failed row's partial entries).
  void truncate_rows(std::size_t keep_row_starts);

 private:
  // Levels that can only be 0 are not stored: counts derive from the other vectors.
  [[gnu::always_inline]] void add_levels(std::uint8_t def, std::uint8_t rep) {
    if (max_def_ > 0) {
      def_.push_back(def);
      bytes_ += 1;
    }
    if (max_rep_ > 0) {
      rep_.push_back(rep);
      bytes_ += 1;
    }
  }

  PhysicalType physical_;
  std::uint8_t max_def_;
  std::uint8_t max_rep_;
  PodVector<std::uint8_t> def_;
  PodVector<std::uint8_t> rep_;
  PodVector<std::uint8_t> bools_;
  PodVector<std::int32_t> i32_;
  PodVector<std::int64_t> i64_;
  PodVector<double> f64_;
  PodVector<std::uint64_t> offsets_;  // offsets_[0] == 0 always
  std::size_t bytes_ = 0;             // recount_bytes(), kept by every change
  std::string heap_;
  // Shared values (add_shared_bytes): once there is one, starts_ holds every value's position in
  // heap_, and shared values are remembered by id in a direct-mapped table (slot id % size: ids
  // come from one counter, so the values of a run's few hundred CRSs and grids do not collide;
  // a collision only stores the value once more).
  struct SharedSource {
    std::uint64_t id = 0;  // 0: empty (ids are never 0)
    std::uint64_t start = 0;
    std::uint64_t size = 0;
  };
  static constexpr std::size_t kSharedSources = 1024;  // a power of two
  bool shared_ = false;
  PodVector<std::uint64_t> starts_;
  std::vector<SharedSource> sources_;  // kSharedSources slots once a shared value was added
};

}  // namespace tdump::parquet
