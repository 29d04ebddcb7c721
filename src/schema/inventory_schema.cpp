#include "schema/inventory_schema.hpp"

#include <stdexcept>
#include <string>

#include "schema/columns.hpp"
#include "tiff/geokeys.hpp"

namespace tdump::schema {
namespace {

using parquet::Field;

// Any failure here is a programming error in a fixed schema: fail loudly at startup.
template <typename T>
T must(Result<T> result) {
  if (!result.ok()) throw std::logic_error("inventory schema: " + result.error().message);
  return std::move(result).value();
}

// Integer TIFF values (SHORT/LONG/LONG8) are INT64 columns: wide enough for every one of them,
// and the type every reader (DuckDB, Spark, Athena, pandas) handles natively.
Field tag_field(const ColumnTag& tag) {
  std::string name(tag.name);
  switch (tag.kind) {
    case ColumnKind::kUInt:
      return Field::int64(name);
    case ColumnKind::kUIntList:
      return Field::list(name, Field::int64("element").required());
    case ColumnKind::kDouble:
      return Field::float64(name);
    case ColumnKind::kDoubleList:
      return Field::list(name, Field::float64("element"));
    case ColumnKind::kString:
      return Field::string(name);
    case ColumnKind::kBinary:
      return Field::binary(name);
  }
  throw std::logic_error("unknown column kind");
}

Field geokey_field(const tiff::GeoKeyInfo& key) {
  std::string name(key.name);
  switch (key.kind) {
    case tiff::GeoValueKind::kDouble:
      return Field::float64(name);
    case tiff::GeoValueKind::kAscii:
      return Field::string(name);
    case tiff::GeoValueKind::kShort:
    case tiff::GeoValueKind::kUnknown:
      return Field::int32(name);
  }
  throw std::logic_error("unknown geokey kind");
}

DataColumns build_data_columns() {
  std::vector<Field> fields = {
      Field::string("path").required(),
      Field::string("url").required(),
      Field::int64("size"),
      Field::timestamp_micros("last_modified"),
      Field::string("etag"),
      Field::boolean("bigtiff").required(),
      Field::string("byte_order").required(),
      Field::int32("ifd_count").required(),
      Field::int64("header_bytes").required(),
      Field::int64("header_size").required(),
      Field::int32("requests").required(),
  };
  for (const auto& tag : column_tags()) fields.push_back(tag_field(tag));

  std::vector<Field> geokeys;
  for (const auto& key : tiff::known_geokeys()) geokeys.push_back(geokey_field(key));
  fields.push_back(Field::group("geokeys", std::move(geokeys)));
  fields.push_back(Field::map("other_geokeys", Field::int32("key"), Field::string("value").required()));
  fields.push_back(Field::map("other_tags", Field::int32("key"), Field::string("value").required()));
  fields.push_back(Field::list("ifds", Field::group("element",
                                                    {
                                                        Field::int64("width"),
                                                        Field::int64("height"),
                                                        Field::int64("tile_width"),
                                                        Field::int64("tile_height"),
                                                        Field::int64("rows_per_strip"),
                                                        Field::int64("new_subfile_type"),
                                                        Field::int32("compression"),
                                                        Field::int32("samples_per_pixel"),
                                                        Field::int32("bits_per_sample"),
                                                        Field::int32("sample_format"),
                                                        Field::int32("photometric"),
                                                        Field::int32("predictor"),
                                                        Field::int32("planar_configuration"),
                                                        Field::int64("block_count"),
                                                        Field::int32("sub_ifd_of"),
                                                    })
                                           .required()));
  // What was read past (warnings) and COG validity (schema version 2).
  fields.push_back(Field::list("warnings", Field::string("element").required()));
  fields.push_back(Field::boolean("is_cog"));
  fields.push_back(Field::list("cog_errors", Field::string("element").required()));
  fields.push_back(Field::list("cog_warnings", Field::string("element").required()));
  // Derived geo columns (schema version 2). `bbox` is GeoParquet 1.1's covering of `geometry`:
  // a root-level group of xmin, ymin, xmax, ymax DOUBLEs, present exactly when geometry is.
  auto box = [](const char* name) {
    return Field::group(name, {Field::float64("xmin").required(), Field::float64("ymin").required(),
                               Field::float64("xmax").required(), Field::float64("ymax").required()});
  };
  fields.push_back(Field::int32("crs_epsg"));
  fields.push_back(Field::string("crs_projjson"));
  fields.push_back(Field::list("geotransform", Field::float64("element").required()));
  fields.push_back(box("bounds"));
  fields.push_back(box("bbox"));
  fields.push_back(Field::binary("geometry"));
  fields.push_back(Field::string("dtype"));

  DataColumns c;
  c.schema = must(parquet::Schema::make(fields));
  const auto& s = *c.schema;
  auto col = [&](const char* name) { return must(s.column(name)); };
  auto node = [&](const char* name) { return must(s.find(name)); };
  c.path = col("path");
  c.url = col("url");
  c.size = col("size");
  c.last_modified = col("last_modified");
  c.etag = col("etag");
  c.bigtiff = col("bigtiff");
  c.byte_order = col("byte_order");
  c.ifd_count = col("ifd_count");
  c.header_bytes = col("header_bytes");
  c.header_size = col("header_size");
  c.requests = col("requests");
  for (const auto& tag : column_tags()) {
    DataColumns::TagColumn t{};
    t.tag = tag.id;
    std::string name(tag.name);
    t.is_list = tag.kind == ColumnKind::kUIntList || tag.kind == ColumnKind::kDoubleList;
    if (t.is_list) {
      t.list = must(s.find(name));
      t.value = must(s.column(name + ".list.element"));
    } else {
      t.value = must(s.column(name));
    }
    c.tags.push_back(t);
  }
  c.geokeys = node("geokeys");
  for (const auto& key : tiff::known_geokeys()) {
    c.geokey_fields.push_back(must(s.column("geokeys." + std::string(key.name))));
  }
  c.other_geokeys = node("other_geokeys");
  c.other_geokeys_key = col("other_geokeys.key");
  c.other_geokeys_value = col("other_geokeys.value");
  c.other_tags = node("other_tags");
  c.other_tags_key = col("other_tags.key");
  c.other_tags_value = col("other_tags.value");
  c.ifds = node("ifds");
  c.ifd_width = col("ifds.width");
  c.ifd_height = col("ifds.height");
  c.ifd_tile_width = col("ifds.tile_width");
  c.ifd_tile_height = col("ifds.tile_height");
  c.ifd_rows_per_strip = col("ifds.rows_per_strip");
  c.ifd_new_subfile_type = col("ifds.new_subfile_type");
  c.ifd_compression = col("ifds.compression");
  c.ifd_samples_per_pixel = col("ifds.samples_per_pixel");
  c.ifd_bits_per_sample = col("ifds.bits_per_sample");
  c.ifd_sample_format = col("ifds.sample_format");
  c.ifd_photometric = col("ifds.photometric");
  c.ifd_predictor = col("ifds.predictor");
  c.ifd_planar_configuration = col("ifds.planar_configuration");
  c.ifd_block_count = col("ifds.block_count");
  c.ifd_sub_ifd_of = col("ifds.sub_ifd_of");
  c.warnings = node("warnings");
  c.warnings_element = col("warnings.list.element");
  c.is_cog = col("is_cog");
  c.cog_errors = node("cog_errors");
  c.cog_errors_element = col("cog_errors.list.element");
  c.cog_warnings = node("cog_warnings");
  c.cog_warnings_element = col("cog_warnings.list.element");
  c.crs_epsg = col("crs_epsg");
  c.crs_projjson = col("crs_projjson");
  c.geotransform = node("geotransform");
  c.geotransform_value = col("geotransform.list.element");
  auto box_columns = [&](const std::string& name) {
    DataColumns::BoxColumns b;
    b.node = must(s.find(name));
    b.xmin = must(s.column(name + ".xmin"));
    b.ymin = must(s.column(name + ".ymin"));
    b.xmax = must(s.column(name + ".xmax"));
    b.ymax = must(s.column(name + ".ymax"));
    return b;
  };
  c.bounds = box_columns("bounds");
  c.bbox = box_columns("bbox");
  c.geometry = col("geometry");
  c.dtype = col("dtype");
  return c;
}

ErrorColumns build_error_columns() {
  ErrorColumns c;
  c.schema = must(parquet::Schema::make({
      Field::string("path").required(),
      Field::string("url").required(),
      Field::string("stage").required(),
      Field::string("kind").required(),
      Field::string("message").required(),
      Field::int32("http_status"),
      Field::string("remote_code"),
      Field::int32("attempts").required(),
      Field::int64("size"),
      Field::timestamp_micros("last_modified"),
      Field::string("etag"),
  }));
  const auto& s = *c.schema;
  auto col = [&](const char* name) { return must(s.column(name)); };
  c.path = col("path");
  c.url = col("url");
  c.stage = col("stage");
  c.kind = col("kind");
  c.message = col("message");
  c.http_status = col("http_status");
  c.remote_code = col("remote_code");
  c.attempts = col("attempts");
  c.size = col("size");
  c.last_modified = col("last_modified");
  c.etag = col("etag");
  return c;
}

}  // namespace

const DataColumns& data_columns() {
  static const DataColumns kColumns = build_data_columns();
  return kColumns;
}

const ErrorColumns& error_columns() {
  static const ErrorColumns kColumns = build_error_columns();
  return kColumns;
}

std::string geoparquet_metadata(const parquet::ColumnBatch& batch, geo::GeoSummary& summary) {
  const auto& c = data_columns();
  summary.clear();
  // The bbox fields are required inside the optional struct, and a row has a bbox exactly when
  // it has a geometry: the i-th value of each belongs to the same row.
  const auto xmin = batch.leaf(c.bbox.xmin.leaf).double_values();
  const auto ymin = batch.leaf(c.bbox.ymin.leaf).double_values();
  const auto xmax = batch.leaf(c.bbox.xmax.leaf).double_values();
  const auto ymax = batch.leaf(c.bbox.ymax.leaf).double_values();
  const auto& geometry = batch.leaf(c.geometry.leaf);
  const std::size_t n = std::min({xmin.size(), ymin.size(), xmax.size(), ymax.size(), geometry.num_values()});
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view wkb = geometry.bytes_at(i);
    // ISO WKB: byte order, then the geometry type (little-endian, as written by src/geo).
    const bool multi = wkb.size() >= 5 && static_cast<unsigned char>(wkb[1]) == 6;
    summary.add({xmin[i], ymin[i], xmax[i], ymax[i]},
                multi ? geo::GeometryType::kMultiPolygon : geo::GeometryType::kPolygon);
  }
  return summary.metadata_json();
}

}  // namespace tdump::schema
