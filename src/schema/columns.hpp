#pragma once
// The IFD-0 tag columns of a data row: which tags have a column of their own, its name and how
// its value is stored; and which tags go to the `other_tags` map instead (README "Output schema").
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tdump::schema {

// How a column tag's value is stored (README "Output schema" gives the Parquet types).
enum class ColumnKind : std::uint8_t {
  kUInt,        // one unsigned integer (SHORT/LONG/LONG8)
  kUIntList,    // one per sample (bits_per_sample, sample_format, extra_samples, min/max sample value)
  kDouble,      // RATIONAL/DOUBLE
  kDoubleList,  // model_pixel_scale, model_tiepoint, model_transformation
  kString,      // ASCII
  kBinary,      // UNDEFINED blob (jpeg_tables)
};

struct ColumnTag {
  std::uint16_t id;
  std::string_view name;  // the column's name; tiff::tag_name(id) gives the same
  ColumnKind kind;
};

inline constexpr std::size_t kColumnTagCount = 33;

// The IFD-0 columns (kColumnTagCount), in the schema's order.
[[nodiscard]] std::span<const ColumnTag> column_tags() noexcept;
[[nodiscard]] const ColumnTag* find_column_tag(std::uint16_t id) noexcept;
// The index of a tag's column in column_tags(), or -1 (a table look-up: a row asks for each tag).
[[nodiscard]] int column_index(std::uint16_t id) noexcept;

// True for the tags of the `other_tags` map: not a column, not the strip/tile arrays, not the
// GeoKey storage (whose keys have columns or `other_geokeys`).
[[nodiscard]] bool is_other_tag(std::uint16_t id) noexcept;

}  // namespace tdump::schema
