// Unit tests of the interpretation layer: GeoKeys, image summaries, tag tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "test_util.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/image_info.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"
#include "tiff_builder.hpp"

namespace tdump::tiff::testing {
namespace {

TEST(GeoKeys, ResolvesShortsDoublesAsciiAndKeepsUnknownKeys) {
  for (ByteOrder order : {ByteOrder::kLittle, ByteOrder::kBig}) {
    // 36 shorts of header+keys, then 3 extra SHORTs at index 36 for key 5000 (location 34735).
    auto file = geotiff(order,
                        {{1024, 0, 1, 1},
                         {1025, 0, 1, 2},
                         {1026, 34737, 22, 0},
                         {2049, 34737, 7, 22},
                         {2057, 34736, 1, 1},
                         {2062, 34736, 3, 2},
                         {3072, 0, 1, 32633},
                         {5000, 34735, 3, 36}},
                        {298.257, 6378137.0, -87, -98, -121}, "WGS 84 / UTM zone 33N|WGS 84|", {7, 8, 9});
    TiffHeader h;
    ASSERT_EQ(parse_whole(file, h), ParseStatus::kComplete) << h.error.message;
    GeoKeySet keys;
    TiffError error = decode_geokeys(h, h.ifds[0], keys);
    ASSERT_TRUE(error.ok()) << error.message;
    ASSERT_TRUE(keys.present);
    EXPECT_EQ(keys.version, 1);
    ASSERT_EQ(keys.keys.size(), 8U);
    EXPECT_EQ(keys.shorts_of(*keys.find(1024))[0], 1);
    EXPECT_EQ(keys.shorts_of(*keys.find(1025))[0], 2);
    EXPECT_EQ(keys.find(1026)->text, "WGS 84 / UTM zone 33N");  // without the '|'
    EXPECT_EQ(keys.find(2049)->text, "WGS 84");
    EXPECT_EQ(keys.find(2049)->kind, GeoValueKind::kAscii);
    ASSERT_EQ(keys.doubles_of(*keys.find(2057)).size(), 1U);
    EXPECT_DOUBLE_EQ(keys.doubles_of(*keys.find(2057))[0], 6378137.0);
    auto towgs84 = keys.doubles_of(*keys.find(2062));
    EXPECT_EQ(std::vector<double>(towgs84.begin(), towgs84.end()), (std::vector<double>{-87, -98, -121}));
    auto extra = keys.shorts_of(*keys.find(5000));
    EXPECT_EQ(std::vector<std::uint16_t>(extra.begin(), extra.end()), (std::vector<std::uint16_t>{7, 8, 9}));
    EXPECT_EQ(keys.find(3072)->kind, GeoValueKind::kShort);
    EXPECT_EQ(find_geokey(2062), nullptr);  // goes to other_geokeys
    EXPECT_EQ(find_geokey(5000), nullptr);
  }
}

TEST(GeoKeys, UnknownLocationIsKeptNotFatal) {
  auto file = geotiff(ByteOrder::kLittle, {{1024, 0, 1, 1}, {4096, 65000, 1, 5773}});
  TiffHeader h;
  ASSERT_EQ(parse_whole(file, h), ParseStatus::kComplete);
  GeoKeySet keys;
  ASSERT_TRUE(decode_geokeys(h, h.ifds[0], keys).ok());
  EXPECT_EQ(keys.find(4096)->kind, GeoValueKind::kUnknown);
  EXPECT_EQ(keys.shorts_of(*keys.find(4096))[0], 5773);
}

TEST(GeoKeys, MalformedDirectories) {
  struct Case {
    const char* what;
    std::vector<std::uint8_t> file;
  };
  std::vector<Case> cases = {
      {"double index past params", geotiff(ByteOrder::kLittle, {{2057, 34736, 1, 3}}, {1, 2, 3})},
      {"double run past params", geotiff(ByteOrder::kLittle, {{2062, 34736, 3, 1}}, {1, 2, 3})},
      {"ascii past params", geotiff(ByteOrder::kBig, {{1026, 34737, 10, 5}}, {}, "abc|")},
      {"missing ascii params", geotiff(ByteOrder::kLittle, {{1026, 34737, 4, 0}})},
      {"shorts past directory", geotiff(ByteOrder::kLittle, {{5000, 34735, 4, 6}})},
      {"more keys than values",
       [] {
         TiffBuilder b(ByteOrder::kLittle, false);
         const std::uint64_t pixel = b.append("x");
         b.set_first_ifd(b.add_ifd(image_ifd(pixel, {shorts(34735, {1, 1, 0, 3, 1024, 0, 1, 1})})));
         return b.bytes();
       }()},
      {"version 2",
       [] {
         TiffBuilder b(ByteOrder::kLittle, false);
         const std::uint64_t pixel = b.append("x");
         b.set_first_ifd(b.add_ifd(image_ifd(pixel, {shorts(34735, {2, 1, 0, 0})})));
         return b.bytes();
       }()},
      {"not SHORT",
       [] {
         TiffBuilder b(ByteOrder::kLittle, false);
         const std::uint64_t pixel = b.append("x");
         b.set_first_ifd(b.add_ifd(image_ifd(pixel, {longs(34735, {1, 1, 0, 0})})));
         return b.bytes();
       }()},
      {"keys sharing one long run",
       geotiff(ByteOrder::kLittle, {{5000, 34735, 20, 0}, {5001, 34735, 20, 0}, {5002, 34735, 20, 0}})},
  };
  for (const Case& c : cases) {
    TiffHeader h;
    ASSERT_EQ(parse_whole(c.file, h), ParseStatus::kComplete) << c.what << ": " << h.error.message;
    GeoKeySet keys;
    TiffError error = decode_geokeys(h, h.ifds[0], keys);
    EXPECT_EQ(error.kind, TiffErrorKind::kBadGeoKeyDirectory) << c.what;
    EXPECT_FALSE(error.message.empty()) << c.what;
  }
}

TEST(GeoKeys, NoDirectoryIsNotAnError) {
  TiffBuilder b(ByteOrder::kLittle, false);
  b.set_first_ifd(b.add_ifd(image_ifd(b.append("x"))));
  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete);
  GeoKeySet keys;
  EXPECT_TRUE(decode_geokeys(h, h.ifds[0], keys).ok());
  EXPECT_FALSE(keys.present);
  EXPECT_TRUE(keys.keys.empty());
}

TEST(Tables, GeoKeyIdsAndNamesFollowTheSpecAndTheReadme) {
  // README "Output schema" lists these 45 names; ids are GeoTIFF 1.1's (1024.., 2048.., 3072.., 4096..).
  const std::vector<std::string> readme = {"model_type",
                                           "raster_type",
                                           "citation",
                                           "geographic_type",
                                           "geog_citation",
                                           "geog_geodetic_datum",
                                           "geog_prime_meridian",
                                           "geog_linear_units",
                                           "geog_linear_unit_size",
                                           "geog_angular_units",
                                           "geog_angular_unit_size",
                                           "geog_ellipsoid",
                                           "geog_semi_major_axis",
                                           "geog_semi_minor_axis",
                                           "geog_inv_flattening",
                                           "geog_azimuth_units",
                                           "geog_prime_meridian_long",
                                           "projected_type",
                                           "proj_citation",
                                           "projection",
                                           "proj_coord_trans",
                                           "proj_linear_units",
                                           "proj_linear_unit_size",
                                           "proj_std_parallel1",
                                           "proj_std_parallel2",
                                           "proj_nat_origin_long",
                                           "proj_nat_origin_lat",
                                           "proj_false_easting",
                                           "proj_false_northing",
                                           "proj_false_origin_long",
                                           "proj_false_origin_lat",
                                           "proj_false_origin_easting",
                                           "proj_false_origin_northing",
                                           "proj_center_long",
                                           "proj_center_lat",
                                           "proj_center_easting",
                                           "proj_center_northing",
                                           "proj_scale_at_nat_origin",
                                           "proj_scale_at_center",
                                           "proj_azimuth_angle",
                                           "proj_straight_vert_pole_long",
                                           "vertical",
                                           "vertical_citation",
                                           "vertical_datum",
                                           "vertical_units"};
  auto table = known_geokeys();
  ASSERT_EQ(table.size(), readme.size());
  for (std::size_t i = 0; i < readme.size(); ++i) EXPECT_EQ(table[i].name, readme[i]);
  EXPECT_EQ(find_geokey(1024)->name, "model_type");
  EXPECT_EQ(find_geokey(2048)->name, "geographic_type");
  EXPECT_EQ(find_geokey(2061)->name, "geog_prime_meridian_long");
  EXPECT_EQ(find_geokey(3072)->name, "projected_type");
  EXPECT_EQ(find_geokey(3095)->name, "proj_straight_vert_pole_long");
  EXPECT_EQ(find_geokey(4096)->name, "vertical");
  EXPECT_EQ(find_geokey(4099)->name, "vertical_units");
  EXPECT_EQ(find_geokey(1026)->kind, GeoValueKind::kAscii);
  EXPECT_EQ(find_geokey(3092)->kind, GeoValueKind::kDouble);
}

TEST(Tables, TagNames) {
  // The column tags' names are checked against the schema in tests/schema.
  EXPECT_EQ(tag_name(256), "image_width");
  EXPECT_EQ(tag_name(257), "image_height");
  EXPECT_EQ(tag_name(273), "strip_offsets");
  EXPECT_EQ(tag_name(34735), "geo_key_directory");
  EXPECT_EQ(tag_name(42113), "nodata");
  EXPECT_EQ(tag_name(65000), "");
}

TEST(ImageInfo, ReadsTiledImages) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  const std::vector<std::uint64_t> offsets(8, pixel);
  b.set_first_ifd(
      b.add_ifd({shorts(256, {1000}), shorts(257, {600}), shorts(258, {16, 16, 16}), shorts(259, {8}), shorts(262, {2}),
                 shorts(277, {3}), shorts(317, {2}), shorts(322, {256}), shorts(323, {512}), longs(324, offsets),
                 longs(325, std::vector<std::uint64_t>(8, 1)), shorts(339, {2, 2, 2})}));
  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete) << h.error.message;
  ImageInfo info = describe_image(h, h.ifds[0]);
  EXPECT_EQ(info.width, 1000U);
  EXPECT_EQ(info.height, 600U);
  EXPECT_EQ(info.bits_per_sample, 16U);
  EXPECT_EQ(info.samples_per_pixel, 3U);
  EXPECT_EQ(info.compression, 8U);
  EXPECT_EQ(info.photometric, 2U);
  EXPECT_EQ(info.predictor, 2U);
  EXPECT_EQ(info.sample_format, 2U);
  EXPECT_TRUE(info.tiled);
  EXPECT_EQ(info.tile_width, 256U);
  EXPECT_EQ(info.tile_height, 512U);
  EXPECT_EQ(info.block_count, 8U);
  EXPECT_EQ(info.planar_configuration, 1U);  // TIFF 6.0 default
  EXPECT_EQ(info.new_subfile_type, 0U);      // TIFF 6.0 default
}

TEST(ImageInfo, AppliesStripDefaults) {
  TiffBuilder b(ByteOrder::kBig, true);
  const std::uint64_t pixel = b.append("x");
  // No RowsPerStrip, no SampleFormat, no Compression: the spec's defaults apply.
  b.set_first_ifd(
      b.add_ifd({longs(254, {5}), shorts(256, {10}), shorts(257, {20}), longs(273, {pixel}), longs(279, {200})}));
  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete) << h.error.message;
  ImageInfo info = describe_image(h, h.ifds[0]);
  EXPECT_FALSE(info.tiled);
  EXPECT_EQ(info.rows_per_strip, 20U);
  EXPECT_EQ(info.compression, 1U);
  EXPECT_EQ(info.sample_format, 1U);
  EXPECT_EQ(info.bits_per_sample, 1U);
  EXPECT_FALSE(info.photometric.has_value());
  EXPECT_EQ(info.block_count, 1U);
  EXPECT_EQ(info.new_subfile_type, 5U);
  EXPECT_TRUE(info.is_mask());
  EXPECT_TRUE(info.is_reduced_resolution());
}

}  // namespace
}  // namespace tdump::tiff::testing
