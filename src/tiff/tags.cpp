#include "tiff/tags.hpp"

#include <algorithm>
#include <array>

#include "tiff/parser.hpp"

namespace tdump::tiff {
namespace {

using K = ColumnKind;
constexpr std::array<ColumnTag, 33> kColumns{{
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

struct NamedTag {
  std::uint16_t id;
  std::string_view name;
};
// Other tags of TIFF 6.0, its technical notes, GeoTIFF, EXIF pointers and GDAL; sorted by id.
constexpr std::array<NamedTag, 62> kOtherNames{{
    {255, "subfile_type"},
    {263, "threshholding"},
    {264, "cell_width"},
    {265, "cell_length"},
    {266, "fill_order"},
    {271, "make"},
    {272, "model"},
    {273, "strip_offsets"},
    {279, "strip_byte_counts"},
    {285, "page_name"},
    {286, "x_position"},
    {287, "y_position"},
    {288, "free_offsets"},
    {289, "free_byte_counts"},
    {290, "gray_response_unit"},
    {291, "gray_response_curve"},
    {292, "t4_options"},
    {293, "t6_options"},
    {297, "page_number"},
    {301, "transfer_function"},
    {318, "white_point"},
    {319, "primary_chromaticities"},
    {320, "color_map"},
    {321, "halftone_hints"},
    {324, "tile_offsets"},
    {325, "tile_byte_counts"},
    {326, "bad_fax_lines"},
    {327, "clean_fax_data"},
    {328, "consecutive_bad_fax_lines"},
    {330, "sub_ifds"},
    {332, "ink_set"},
    {333, "ink_names"},
    {334, "number_of_inks"},
    {336, "dot_range"},
    {337, "target_printer"},
    {340, "s_min_sample_value"},
    {341, "s_max_sample_value"},
    {342, "transfer_range"},
    {343, "clip_path"},
    {512, "jpeg_proc"},
    {513, "jpeg_interchange_format"},
    {514, "jpeg_interchange_format_length"},
    {515, "jpeg_restart_interval"},
    {529, "ycbcr_coefficients"},
    {530, "ycbcr_sub_sampling"},
    {531, "ycbcr_positioning"},
    {532, "reference_black_white"},
    {700, "xmp"},
    {32995, "matteing"},
    {32996, "data_type"},
    {32997, "image_depth"},
    {32998, "tile_depth"},
    {33723, "iptc"},
    {34377, "photoshop"},
    {34665, "exif_ifd"},
    {34675, "icc_profile"},
    {34735, "geo_key_directory"},
    {34736, "geo_double_params"},
    {34737, "geo_ascii_params"},
    {34853, "gps_ifd"},
    {50674, "lerc_parameters"},
    {50844, "rpc_coefficients"},
}};

}  // namespace

std::span<const ColumnTag> column_tags() noexcept {
  return kColumns;
}

const ColumnTag* find_column_tag(std::uint16_t id) noexcept {
  for (const ColumnTag& c : kColumns) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string_view tag_name(std::uint16_t id) noexcept {
  if (const ColumnTag* c = find_column_tag(id)) return c->name;
  auto it = std::lower_bound(kOtherNames.begin(), kOtherNames.end(), id,
                             [](const NamedTag& t, std::uint16_t v) { return t.id < v; });
  return it != kOtherNames.end() && it->id == id ? it->name : std::string_view();
}

bool is_other_tag(std::uint16_t id) noexcept {
  return find_column_tag(id) == nullptr && !is_data_offsets_tag(id) && !is_geokey_storage_tag(id);
}

}  // namespace tdump::tiff
