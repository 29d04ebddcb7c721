// Unit tests of src/schema's pieces that need no Parquet file: the IFD-0 column table and the
// JSON text of tag and GeoKey values (the `other_tags` / `other_geokeys` values, and `inspect`'s).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "schema/columns.hpp"
#include "schema/value_json.hpp"
#include "test_util.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/tags.hpp"
#include "tiff_builder.hpp"

namespace tdump::schema {
namespace {

using namespace tdump::tiff;
using namespace tdump::tiff::testing;

TEST(Columns, ColumnTagsAreTheSchemasColumns) {
  const std::vector<std::pair<std::uint16_t, std::string>> readme = {{254, "new_subfile_type"},
                                                                     {256, "image_width"},
                                                                     {257, "image_height"},
                                                                     {258, "bits_per_sample"},
                                                                     {259, "compression"},
                                                                     {262, "photometric_interpretation"},
                                                                     {269, "document_name"},
                                                                     {270, "image_description"},
                                                                     {274, "orientation"},
                                                                     {277, "samples_per_pixel"},
                                                                     {278, "rows_per_strip"},
                                                                     {280, "min_sample_value"},
                                                                     {281, "max_sample_value"},
                                                                     {282, "x_resolution"},
                                                                     {283, "y_resolution"},
                                                                     {284, "planar_configuration"},
                                                                     {296, "resolution_unit"},
                                                                     {305, "software"},
                                                                     {306, "date_time"},
                                                                     {315, "artist"},
                                                                     {316, "host_computer"},
                                                                     {317, "predictor"},
                                                                     {322, "tile_width"},
                                                                     {323, "tile_height"},
                                                                     {338, "extra_samples"},
                                                                     {339, "sample_format"},
                                                                     {347, "jpeg_tables"},
                                                                     {33432, "copyright"},
                                                                     {33550, "model_pixel_scale"},
                                                                     {33922, "model_tiepoint"},
                                                                     {34264, "model_transformation"},
                                                                     {42113, "nodata"},
                                                                     {42112, "gdal_metadata"}};
  auto columns = column_tags();
  ASSERT_EQ(columns.size(), readme.size());
  for (std::size_t i = 0; i < readme.size(); ++i) {
    EXPECT_EQ(columns[i].id, readme[i].first);
    EXPECT_EQ(columns[i].name, readme[i].second);
    EXPECT_EQ(tiff::tag_name(readme[i].first), readme[i].second);  // inspect shows the same names
  }
  EXPECT_FALSE(is_other_tag(256));
  EXPECT_FALSE(is_other_tag(324));
  EXPECT_FALSE(is_other_tag(34736));
  EXPECT_TRUE(is_other_tag(320));
  EXPECT_TRUE(is_other_tag(65000));
}

// ---- JSON rendering ----

std::string json_of(const std::vector<BuildEntry>& extra, std::uint16_t tag, ByteOrder order = ByteOrder::kLittle) {
  TiffBuilder b(order, false);
  b.set_first_ifd(b.add_ifd(image_ifd(b.append("x"), extra)));
  TiffHeader h;
  EXPECT_EQ(parse_whole(b.bytes(), h,
                        [] {
                          ParseLimits l;
                          l.strict_ascii = false;
                          return l;
                        }()),
            ParseStatus::kComplete);
  std::string out;
  append_value_json(out, *h.find(h.ifds[0], tag), h.byte_order);
  EXPECT_TRUE(nlohmann::json::accept(out)) << out;
  return out;
}

TEST(ValueJson, NumbersScalarsAndArrays) {
  EXPECT_EQ(json_of({shorts(65000, {42})}, 65000), "42");
  EXPECT_EQ(json_of({shorts(65000, {1, 2, 3})}, 65000, ByteOrder::kBig), "[1,2,3]");
  EXPECT_EQ(json_of({typed(65000, 9, {static_cast<std::uint64_t>(-5) & 0xFFFFFFFF})}, 65000), "-5");
  EXPECT_EQ(json_of({typed(65000, 16, {18446744073709551615ULL})}, 65000), "18446744073709551615");
  EXPECT_EQ(json_of({typed(65000, 5, {1, 4, 3, 0})}, 65000), "[0.25,null]");  // x/0 -> null
  EXPECT_EQ(json_of({doubles(65000, {500000, 0.1, -1.5e-300})}, 65000), "[500000,0.1,-1.5e-300]");
  BuildEntry f;
  f.tag = 65000;
  f.type = 11;
  f.reals = {0.1};
  f.count = 1;
  EXPECT_EQ(json_of({f}, 65000), "0.1");  // shortest float form, not 0.10000000149011612
  EXPECT_EQ(json_of({typed(65000, 3, {})}, 65000), "[]");
}

TEST(ValueJson, TextAndBinary) {
  EXPECT_EQ(json_of({ascii(65000, "say \"hi\"\n\\ \x01")}, 65000), R"("say \"hi\"\n\\ \u0001")");
  EXPECT_EQ(json_of({ascii(65000, std::string("one\0two", 7))}, 65000), R"(["one","two"])");
  EXPECT_EQ(json_of({ascii(65000, "caf\xc3\xa9")}, 65000), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_of({ascii(65000, "latin1 \xa9")}, 65000), R"("latin1 \u00a9")");
  // RFC 4648 section 10 test vectors.
  const std::vector<std::pair<std::string, std::string>> vectors = {{"f", "Zg=="},         {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},       {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BuildEntry blob;
    blob.tag = 65000;
    blob.type = 7;
    blob.bytes = plain;
    blob.count = plain.size();
    EXPECT_EQ(json_of({blob}, 65000), "\"" + encoded + "\"");
  }
}

TEST(ValueJson, UnloadedArraysAreNull) {
  TiffBuilder b(ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  b.set_first_ifd(
      b.add_ifd({shorts(256, {1}), shorts(257, {3}), longs(273, {pixel, pixel, pixel}), longs(279, {1, 1, 1})}));
  TiffHeader h;
  ASSERT_EQ(parse_whole(b.bytes(), h), ParseStatus::kComplete);
  std::string out;
  append_value_json(out, *h.find(h.ifds[0], 273), h.byte_order);
  EXPECT_EQ(out, "null");
}

TEST(ValueJson, GeoKeys) {
  auto file = geotiff(ByteOrder::kLittle, {{1024, 0, 1, 1}, {1026, 34737, 4, 0}, {2062, 34736, 3, 0}},
                      {-87, -98.5, -121}, "a\"b|");
  TiffHeader h;
  ASSERT_EQ(parse_whole(file, h), ParseStatus::kComplete);
  GeoKeySet keys;
  ASSERT_TRUE(decode_geokeys(h, h.ifds[0], keys).ok());
  std::string out;
  append_geokey_json(out, keys, *keys.find(1024));
  out += ' ';
  append_geokey_json(out, keys, *keys.find(1026));
  out += ' ';
  append_geokey_json(out, keys, *keys.find(2062));
  EXPECT_EQ(out, R"(1 "a\"b" [-87,-98.5,-121])");
}

}  // namespace
}  // namespace tdump::schema
