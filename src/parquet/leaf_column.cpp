#include "parquet/leaf_column.hpp"

#include <algorithm>

namespace tdump::parquet {

void LeafColumn::add_levels_bulk(std::span<const std::uint8_t> def, std::span<const std::uint8_t> rep, std::size_t n) {
  if (max_def_ > 0) {
    def_.append(def.first(n));
    bytes_ += n;
  }
  if (max_rep_ > 0) {
    rep_.append(rep.first(n));
    bytes_ += n;
  }
}

std::size_t LeafColumn::num_row_starts() const noexcept {
  if (max_rep_ == 0) return num_levels();
  return static_cast<std::size_t>(std::count(rep_.begin(), rep_.end(), 0));
}

void LeafColumn::clear() {
  def_.clear();
  rep_.clear();
  bools_.clear();
  i32_.clear();
  i64_.clear();
  f64_.clear();
  offsets_.truncate(1);
  heap_.clear();
  shared_ = false;
  starts_.clear();
  std::fill(sources_.begin(), sources_.end(), SharedSource{});
  bytes_ = 0;
}

void LeafColumn::add_shared_bytes(std::string_view v, std::uint64_t id, std::uint8_t rep) {
  if (!shared_) {
    // From now on every value records where it starts.
    const std::size_t n = offsets_.size() - 1;
    starts_.clear();
    for (std::size_t i = 0; i < n; ++i) starts_.push_back(offsets_[i]);
    bytes_ += n * 8;
    shared_ = true;
  }
  if (sources_.empty()) sources_.resize(kSharedSources);
  SharedSource& s = sources_[static_cast<std::size_t>(id) & (kSharedSources - 1)];
  if (s.id == id && s.size == v.size()) {
    add_levels(max_def_, rep);
    starts_.push_back(s.start);
    offsets_.push_back(offsets_.back() + v.size());
    bytes_ += 8 + 4;
    return;
  }
  s = {id, heap_.size(), v.size()};
  add_bytes(v, rep);
}

std::size_t LeafColumn::num_values() const noexcept {
  switch (physical_) {
    case PhysicalType::kBoolean:
      return bools_.size();
    case PhysicalType::kInt32:
      return i32_.size();
    case PhysicalType::kInt64:
      return i64_.size();
    case PhysicalType::kDouble:
      return f64_.size();
    case PhysicalType::kByteArray:
      return offsets_.size() - 1;
  }
  return 0;
}

std::size_t LeafColumn::recount_bytes() const noexcept {
  return def_.size() + rep_.size() + bools_.size() + i32_.size() * 4 + i64_.size() * 8 + f64_.size() * 8 +
         (offsets_.size() - 1) * 4 + heap_.size() + starts_.size() * 8;
}

void LeafColumn::truncate_rows(std::size_t keep_row_starts) {
  // Find the entry where row number `keep_row_starts` begins; nothing to do if there is none.
  const std::size_t levels = num_levels();
  std::size_t cut = levels;
  if (max_rep_ == 0) {
    cut = std::min(keep_row_starts, levels);
  } else {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < levels; ++i) {
      if (rep_[i] == 0 && seen++ == keep_row_starts) {
        cut = i;
        break;
      }
    }
  }
  if (cut == levels) return;
  std::size_t dropped_values = levels - cut;
  if (max_def_ > 0) {
    dropped_values =
        static_cast<std::size_t>(std::count(def_.begin() + static_cast<std::ptrdiff_t>(cut), def_.end(), max_def_));
    def_.truncate(cut);
  }
  if (max_rep_ > 0) rep_.truncate(cut);
  const std::size_t keep_values = num_values() - dropped_values;
  switch (physical_) {
    case PhysicalType::kBoolean:
      bools_.truncate(keep_values);
      break;
    case PhysicalType::kInt32:
      i32_.truncate(keep_values);
      break;
    case PhysicalType::kInt64:
      i64_.truncate(keep_values);
      break;
    case PhysicalType::kDouble:
      f64_.truncate(keep_values);
      break;
    case PhysicalType::kByteArray:
      offsets_.truncate(keep_values + 1);
      if (shared_) {
        // Values may share bytes: keep the heap (a rolled-back row's bytes stay, unused).
        starts_.truncate(keep_values);
      } else {
        heap_.resize(offsets_.back());
      }
      break;
  }
  bytes_ = recount_bytes();
}

}  // namespace tdump::parquet
