#include "inventory_schema.hpp"

#include <charconv>
#include <stdexcept>

namespace tdump::parquet::bench {

namespace {

// GeoKey field names of BRIEF §3, with the value type the GeoTIFF spec gives each.
struct GeoKeyField {
  const char* name;
  ColumnType type;
};
constexpr GeoKeyField kGeoKeys[] = {
    {"model_type", ColumnType::kUInt16},
    {"raster_type", ColumnType::kUInt16},
    {"citation", ColumnType::kString},
    {"geographic_type", ColumnType::kUInt16},
    {"geog_citation", ColumnType::kString},
    {"geog_geodetic_datum", ColumnType::kUInt16},
    {"geog_prime_meridian", ColumnType::kUInt16},
    {"geog_linear_units", ColumnType::kUInt16},
    {"geog_linear_unit_size", ColumnType::kDouble},
    {"geog_angular_units", ColumnType::kUInt16},
    {"geog_angular_unit_size", ColumnType::kDouble},
    {"geog_ellipsoid", ColumnType::kUInt16},
    {"geog_semi_major_axis", ColumnType::kDouble},
    {"geog_semi_minor_axis", ColumnType::kDouble},
    {"geog_inv_flattening", ColumnType::kDouble},
    {"geog_azimuth_units", ColumnType::kUInt16},
    {"geog_prime_meridian_long", ColumnType::kDouble},
    {"projected_type", ColumnType::kUInt16},
    {"proj_citation", ColumnType::kString},
    {"projection", ColumnType::kUInt16},
    {"proj_coord_trans", ColumnType::kUInt16},
    {"proj_linear_units", ColumnType::kUInt16},
    {"proj_linear_unit_size", ColumnType::kDouble},
    {"proj_std_parallel1", ColumnType::kDouble},
    {"proj_std_parallel2", ColumnType::kDouble},
    {"proj_nat_origin_long", ColumnType::kDouble},
    {"proj_nat_origin_lat", ColumnType::kDouble},
    {"proj_false_easting", ColumnType::kDouble},
    {"proj_false_northing", ColumnType::kDouble},
    {"proj_false_origin_long", ColumnType::kDouble},
    {"proj_false_origin_lat", ColumnType::kDouble},
    {"proj_false_origin_easting", ColumnType::kDouble},
    {"proj_false_origin_northing", ColumnType::kDouble},
    {"proj_center_long", ColumnType::kDouble},
    {"proj_center_lat", ColumnType::kDouble},
    {"proj_center_easting", ColumnType::kDouble},
    {"proj_center_northing", ColumnType::kDouble},
    {"proj_scale_at_nat_origin", ColumnType::kDouble},
    {"proj_scale_at_center", ColumnType::kDouble},
    {"proj_azimuth_angle", ColumnType::kDouble},
    {"proj_straight_vert_pole_long", ColumnType::kDouble},
    {"vertical", ColumnType::kUInt16},
    {"vertical_citation", ColumnType::kString},
    {"vertical_datum", ColumnType::kUInt16},
    {"vertical_units", ColumnType::kUInt16},
};

// Top-level scalar columns, in the order `c_` holds them.
enum Col : std::size_t {
  kPath,
  kUrl,
  kSize,
  kLastModified,
  kEtag,
  kBigtiff,
  kByteOrder,
  kIfdCount,
  kHeaderBytes,
  kRequests,
  kNewSubfileType,
  kWidth,
  kHeight,
  kCompression,
  kPhotometric,
  kDocumentName,
  kImageDescription,
  kOrientation,
  kSamplesPerPixel,
  kRowsPerStrip,
  kXRes,
  kYRes,
  kPlanar,
  kResUnit,
  kSoftware,
  kDateTime,
  kArtist,
  kHostComputer,
  kPredictor,
  kTileWidth,
  kTileHeight,
  kJpegTables,
  kCopyright,
  kNodata,
  kGdalMetadata,
  kNumCols
};

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

ColumnRef col(const Schema& s, const std::string& path) {
  auto r = s.column(path);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}
NodeRef node(const Schema& s, const std::string& path) {
  auto r = s.find(path);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

}  // namespace

InventoryRows::InventoryRows() {
  std::vector<Field> geokeys;
  for (const auto& g : kGeoKeys) geokeys.push_back(Field::column(g.name, g.type));
  auto ifd = Field::group(
      "element",
      {Field::uint32("width"), Field::uint32("height"), Field::uint32("tile_width"), Field::uint32("tile_height"),
       Field::uint32("new_subfile_type"), Field::uint16("compression"), Field::uint16("samples_per_pixel"),
       Field::list("bits_per_sample", Field::uint16("element").required()), Field::uint16("photometric")});
  auto u16_list = [](const char* name) { return Field::list(name, Field::uint16("element").required()); };
  auto f64_list = [](const char* name) { return Field::list(name, Field::float64("element").required()); };
  auto s = Schema::make({
      Field::string("path").required(),
      Field::string("url").required(),
      Field::int64("size"),
      Field::timestamp_micros("last_modified"),
      Field::string("etag"),
      Field::boolean("bigtiff"),
      Field::string("byte_order"),
      Field::int32("ifd_count"),
      Field::int64("header_bytes"),
      Field::int32("requests"),
      Field::uint32("new_subfile_type"),
      Field::uint32("image_width"),
      Field::uint32("image_height"),
      u16_list("bits_per_sample"),
      Field::uint16("compression"),
      Field::uint16("photometric_interpretation"),
      Field::string("document_name"),
      Field::string("image_description"),
      Field::uint16("orientation"),
      Field::uint16("samples_per_pixel"),
      Field::uint32("rows_per_strip"),
      u16_list("min_sample_value"),
      u16_list("max_sample_value"),
      Field::float64("x_resolution"),
      Field::float64("y_resolution"),
      Field::uint16("planar_configuration"),
      Field::uint16("resolution_unit"),
      Field::string("software"),
      Field::string("date_time"),
      Field::string("artist"),
      Field::string("host_computer"),
      Field::uint16("predictor"),
      Field::uint32("tile_width"),
      Field::uint32("tile_height"),
      u16_list("extra_samples"),
      u16_list("sample_format"),
      Field::binary("jpeg_tables"),
      Field::string("copyright"),
      f64_list("model_pixel_scale"),
      f64_list("model_tiepoint"),
      f64_list("model_transformation"),
      Field::string("nodata"),
      Field::string("gdal_metadata"),
      Field::group("geokeys", std::move(geokeys)),
      Field::map("other_geokeys", Field::int32("key"), Field::string("value")),
      Field::map("other_tags", Field::int32("key"), Field::string("value")),
      Field::list("ifds", std::move(ifd)),
  });
  if (!s) throw std::runtime_error(s.error().message);
  schema_ = *s;
  const Schema& sc = *schema_;
  const char* names[kNumCols] = {"path",
                                 "url",
                                 "size",
                                 "last_modified",
                                 "etag",
                                 "bigtiff",
                                 "byte_order",
                                 "ifd_count",
                                 "header_bytes",
                                 "requests",
                                 "new_subfile_type",
                                 "image_width",
                                 "image_height",
                                 "compression",
                                 "photometric_interpretation",
                                 "document_name",
                                 "image_description",
                                 "orientation",
                                 "samples_per_pixel",
                                 "rows_per_strip",
                                 "x_resolution",
                                 "y_resolution",
                                 "planar_configuration",
                                 "resolution_unit",
                                 "software",
                                 "date_time",
                                 "artist",
                                 "host_computer",
                                 "predictor",
                                 "tile_width",
                                 "tile_height",
                                 "jpeg_tables",
                                 "copyright",
                                 "nodata",
                                 "gdal_metadata"};
  for (const char* n : names) c_.push_back(col(sc, n));
  for (const auto& g : kGeoKeys) geokeys_.push_back(col(sc, std::string("geokeys.") + g.name));
  bits_ = node(sc, "bits_per_sample");
  bits_e_ = col(sc, "bits_per_sample.element");
  min_sample_ = node(sc, "min_sample_value");
  max_sample_ = node(sc, "max_sample_value");
  extra_samples_ = node(sc, "extra_samples");
  extra_e_ = col(sc, "extra_samples.element");
  sample_format_ = node(sc, "sample_format");
  format_e_ = col(sc, "sample_format.element");
  pixel_scale_ = node(sc, "model_pixel_scale");
  scale_e_ = col(sc, "model_pixel_scale.element");
  tiepoint_ = node(sc, "model_tiepoint");
  tie_e_ = col(sc, "model_tiepoint.element");
  transformation_ = node(sc, "model_transformation");
  other_tags_ = node(sc, "other_tags");
  tag_k_ = col(sc, "other_tags.key");
  tag_v_ = col(sc, "other_tags.value");
  other_geokeys_ = node(sc, "other_geokeys");
  gk_k_ = col(sc, "other_geokeys.key");
  gk_v_ = col(sc, "other_geokeys.value");
  ifds_ = node(sc, "ifds");
  ifd_w_ = col(sc, "ifds.width");
  ifd_h_ = col(sc, "ifds.height");
  ifd_tw_ = col(sc, "ifds.tile_width");
  ifd_th_ = col(sc, "ifds.tile_height");
  ifd_nst_ = col(sc, "ifds.new_subfile_type");
  ifd_comp_ = col(sc, "ifds.compression");
  ifd_spp_ = col(sc, "ifds.samples_per_pixel");
  ifd_bits_ = node(sc, "ifds.bits_per_sample");
  ifd_bits_e_ = col(sc, "ifds.bits_per_sample.element");
  ifd_photo_ = col(sc, "ifds.photometric");
}

void InventoryRows::append(ColumnBatch& b, std::uint64_t i) {
  // A Sentinel-2-like COG: one band, 10980 px, 1024 px tiles, four overviews, a UTM CRS.
  const std::uint64_t r = rng_();
  const std::uint32_t zone = 29 + static_cast<std::uint32_t>(i % 8);
  b.begin_row();
  // Keys like "sentinel-s2-l2a-cogs/31/U/DQ/2023/7/S2A_31UDQ_20230_<i>_L2A/B04.tif", built without formatting.
  scratch_.assign("s3://sentinel-s2-l2a-cogs/");
  append_number(scratch_, zone);
  scratch_.append("/U/DQ/2023/");
  append_number(scratch_, i % 12 + 1);
  scratch_.append("/S2A_");
  append_number(scratch_, zone);
  scratch_.append("UDQ_20230_");
  append_number(scratch_, i);
  scratch_.append("_L2A/B0");
  append_number(scratch_, i % 9 + 1);
  scratch_.append(".tif");
  b.set_string(c_[kUrl], scratch_);
  b.set_string(c_[kPath], std::string_view(scratch_).substr(5));
  b.set_int(c_[kSize], static_cast<std::int64_t>(50'000'000 + r % 200'000'000));
  b.set_int(c_[kLastModified], 1'690'000'000'000'000LL + static_cast<std::int64_t>(i) * 1'000'003);
  scratch_.assign("\"");
  append_number(scratch_, r);
  scratch_.append("\"");
  b.set_string(c_[kEtag], scratch_);
  b.set_bool(c_[kBigtiff], false);
  b.set_string(c_[kByteOrder], "II");
  b.set_int(c_[kIfdCount], 5);
  b.set_int(c_[kHeaderBytes], 16384);
  b.set_int(c_[kRequests], 1);
  b.set_uint(c_[kWidth], 10980);
  b.set_uint(c_[kHeight], 10980);
  b.begin_list(bits_);
  b.append_uint(bits_e_, 16);
  b.end_list();
  b.set_uint(c_[kCompression], 8);
  b.set_uint(c_[kPhotometric], 1);
  b.set_uint(c_[kSamplesPerPixel], 1);
  b.set_uint(c_[kPlanar], 1);
  b.set_string(c_[kSoftware], "GDAL 3.6.2");
  b.set_uint(c_[kPredictor], 2);
  b.set_uint(c_[kTileWidth], 1024);
  b.set_uint(c_[kTileHeight], 1024);
  b.begin_list(sample_format_);
  b.append_uint(format_e_, 1);
  b.end_list();
  b.begin_list(pixel_scale_);
  b.append_double(scale_e_, 10.0);
  b.append_double(scale_e_, 10.0);
  b.append_double(scale_e_, 0.0);
  b.end_list();
  b.begin_list(tiepoint_);
  for (const double v : {0.0, 0.0, 0.0, 300000.0 + static_cast<double>(i % 100) * 100, 5000040.0, 0.0}) {
    b.append_double(tie_e_, v);
  }
  b.end_list();
  b.set_string(c_[kNodata], "0");
  if (i % 4 == 0) {
    b.set_string(c_[kGdalMetadata],
                 "<GDALMetadata>\n  <Item name=\"OFFSET\" sample=\"0\" role=\"offset\">-0.1</Item>\n  <Item "
                 "name=\"SCALE\" sample=\"0\" role=\"scale\">0.0001</Item>\n</GDALMetadata>\n");
  }
  // GeoKeys of a projected UTM CRS: 6 of the 45 fields set.
  b.set_uint(geokeys_[0], 1);
  b.set_uint(geokeys_[1], 1);
  scratch_.assign("WGS 84 / UTM zone ");
  append_number(scratch_, zone);
  scratch_.append("N");
  b.set_string(geokeys_[2], scratch_);
  b.set_uint(geokeys_[17], 32600 + zone);
  b.set_uint(geokeys_[21], 9001);
  b.set_uint(geokeys_[9], 9102);
  if (i % 10 == 0) {
    b.begin_map(other_geokeys_);
    b.begin_entry();
    b.set_int(gk_k_, 2062);
    b.set_string(gk_v_, "[0,0,0,0,0,0,0]");
    b.end_entry();
    b.end_map();
  }
  b.begin_map(other_tags_);
  b.begin_entry();
  b.set_int(tag_k_, 42113);
  b.set_string(tag_v_, "\"0\"");
  b.end_entry();
  b.end_map();
  // Four overviews.
  b.begin_list(ifds_);
  std::uint32_t size = 10980;
  for (int k = 0; k < 4; ++k) {
    size = (size + 1) / 2;
    b.begin_element();
    b.set_uint(ifd_w_, size);
    b.set_uint(ifd_h_, size);
    b.set_uint(ifd_tw_, 1024);
    b.set_uint(ifd_th_, 1024);
    b.set_uint(ifd_nst_, 1);
    b.set_uint(ifd_comp_, 8);
    b.set_uint(ifd_spp_, 1);
    b.begin_list(ifd_bits_);
    b.append_uint(ifd_bits_e_, 16);
    b.end_list();
    b.set_uint(ifd_photo_, 1);
    b.end_element();
  }
  b.end_list();
  if (!b.end_row().ok()) throw std::runtime_error("inventory row rejected");
}

}  // namespace tdump::parquet::bench
