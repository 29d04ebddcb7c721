#include "schema/columns.hpp"

#include <array>

#include "tiff/parser.hpp"
#include "tiff/tags.hpp"

namespace tdump::schema {
namespace {

using K = ColumnKind;
constexpr std::array<ColumnTag, kColumnTagCount> kColumns{{
    {254, "new_subfile_type", K::kUInt},
    {256, "image_width", K::kUInt},
    {257, "image_height", K::kUInt},
    {258, "bits_per_sample", K::kUIntList},
    {259, "compression", K::kUInt},
    {262, "photometric_interpretation", K::kUInt},
    {269, "document_name", K::kString},
    {270, "image_description", K::kString},
    {274, "orientation", K::kUInt},
    {277, "samples_per_pixel", K::kUInt},
    {278, "rows_per_strip", K::kUInt},
    {280, "min_sample_value", K::kUIntList},
    {281, "max_sample_value", K::kUIntList},
    {282, "x_resolution", K::kDouble},
    {283, "y_resolution", K::kDouble},
    {284, "planar_configuration", K::kUInt},
    {296, "resolution_unit", K::kUInt},
    {305, "software", K::kString},
    {306, "date_time", K::kString},
    {315, "artist", K::kString},
    {316, "host_computer", K::kString},
    {317, "predictor", K::kUInt},
    {322, "tile_width", K::kUInt},
    {323, "tile_height", K::kUInt},
    {338, "extra_samples", K::kUIntList},
    {339, "sample_format", K::kUIntList},
    {347, "jpeg_tables", K::kBinary},
    {33432, "copyright", K::kString},
    {33550, "model_pixel_scale", K::kDoubleList},
    {33922, "model_tiepoint", K::kDoubleList},
    {34264, "model_transformation", K::kDoubleList},
    {42113, "nodata", K::kString},
    {42112, "gdal_metadata", K::kString},
}};

// Column index + 1 by tag, for the tags below kSmallTags (0: none); the few larger ones are the
// table's tail, found by a scan of just that tail. A row asks this of every entry of IFD 0.
constexpr std::size_t kSmallTags = 512;
constexpr std::array<std::uint8_t, kSmallTags> kSmallIndex = [] {
  std::array<std::uint8_t, kSmallTags> index{};
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (kColumns[i].id < kSmallTags) index[kColumns[i].id] = static_cast<std::uint8_t>(i + 1);
  }
  return index;
}();
constexpr std::size_t kFirstLarge = [] {
  std::size_t i = 0;
  while (i < kColumns.size() && kColumns[i].id < kSmallTags) ++i;
  return i;
}();
static_assert([] {
  for (std::size_t i = kFirstLarge; i < kColumns.size(); ++i) {
    if (kColumns[i].id < kSmallTags) return false;
  }
  return true;
}());

int large_column_index(std::uint16_t id) noexcept {
  for (std::size_t i = kFirstLarge; i < kColumns.size(); ++i) {
    if (kColumns[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

// is_other_tag() for the tags below kSmallTags.
constexpr std::array<bool, kSmallTags> kSmallOther = [] {
  std::array<bool, kSmallTags> other{};
  for (std::size_t id = 0; id < kSmallTags; ++id) {
    const auto tag = static_cast<std::uint16_t>(id);
    other[id] = kSmallIndex[id] == 0 && !tiff::is_data_offsets_tag(tag) && !tiff::is_geokey_storage_tag(tag);
  }
  return other;
}();

}  // namespace

int column_index(std::uint16_t id) noexcept {
  if (id < kSmallTags) return static_cast<int>(kSmallIndex[id]) - 1;
  return large_column_index(id);
}

std::span<const ColumnTag> column_tags() noexcept {
  return kColumns;
}

const ColumnTag* find_column_tag(std::uint16_t id) noexcept {
  const int i = column_index(id);
  return i < 0 ? nullptr : &kColumns[static_cast<std::size_t>(i)];
}

bool is_other_tag(std::uint16_t id) noexcept {
  if (id < kSmallTags) return kSmallOther[id];
  return large_column_index(id) < 0 && !tiff::is_data_offsets_tag(id) && !tiff::is_geokey_storage_tag(id);
}

}  // namespace tdump::schema
