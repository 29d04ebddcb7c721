#include "tiff/tags.hpp"

#include <algorithm>
#include <array>

namespace tdump::tiff {
namespace {

struct NamedTag {
  std::uint16_t id;
  std::string_view name;
};
// The tags of TIFF 6.0, its technical notes, GeoTIFF, EXIF pointers and GDAL; sorted by id. The
// names of the IFD-0 columns are the column names (src/schema/columns.hpp; a test keeps them equal).
constexpr std::array<NamedTag, 95> kNames{{
    {254, "new_subfile_type"},
    {255, "subfile_type"},
    {256, "image_width"},
    {257, "image_height"},
    {258, "bits_per_sample"},
    {259, "compression"},
    {262, "photometric_interpretation"},
    {263, "threshholding"},
    {264, "cell_width"},
    {265, "cell_length"},
    {266, "fill_order"},
    {269, "document_name"},
    {270, "image_description"},
    {271, "make"},
    {272, "model"},
    {273, "strip_offsets"},
    {274, "orientation"},
    {277, "samples_per_pixel"},
    {278, "rows_per_strip"},
    {279, "strip_byte_counts"},
    {280, "min_sample_value"},
    {281, "max_sample_value"},
    {282, "x_resolution"},
    {283, "y_resolution"},
    {284, "planar_configuration"},
    {285, "page_name"},
    {286, "x_position"},
    {287, "y_position"},
    {288, "free_offsets"},
    {289, "free_byte_counts"},
    {290, "gray_response_unit"},
    {291, "gray_response_curve"},
    {292, "t4_options"},
    {293, "t6_options"},
    {296, "resolution_unit"},
    {297, "page_number"},
    {301, "transfer_function"},
    {305, "software"},
    {306, "date_time"},
    {315, "artist"},
    {316, "host_computer"},
    {317, "predictor"},
    {318, "white_point"},
    {319, "primary_chromaticities"},
    {320, "color_map"},
    {321, "halftone_hints"},
    {322, "tile_width"},
    {323, "tile_height"},
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
    {338, "extra_samples"},
    {339, "sample_format"},
    {340, "s_min_sample_value"},
    {341, "s_max_sample_value"},
    {342, "transfer_range"},
    {343, "clip_path"},
    {347, "jpeg_tables"},
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
    {33432, "copyright"},
    {33550, "model_pixel_scale"},
    {33723, "iptc"},
    {33922, "model_tiepoint"},
    {34264, "model_transformation"},
    {34377, "photoshop"},
    {34665, "exif_ifd"},
    {34675, "icc_profile"},
    {34735, "geo_key_directory"},
    {34736, "geo_double_params"},
    {34737, "geo_ascii_params"},
    {34853, "gps_ifd"},
    {42112, "gdal_metadata"},
    {42113, "nodata"},
    {50674, "lerc_parameters"},
    {50844, "rpc_coefficients"},
}};

}  // namespace

std::string_view tag_name(std::uint16_t id) noexcept {
  auto it =
      std::lower_bound(kNames.begin(), kNames.end(), id, [](const NamedTag& t, std::uint16_t v) { return t.id < v; });
  return it != kNames.end() && it->id == id ? it->name : std::string_view();
}

}  // namespace tdump::tiff
