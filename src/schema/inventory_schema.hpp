#pragma once
// The output schema (README "Output schema"; docs/schema.md), one for every file of every run, and the resolved column
// handles the row encoder writes through. The README's schema table documents the same.
#include <cstdint>
#include <vector>

#include "geo/geoparquet.hpp"
#include "parquet/column_batch.hpp"
#include "parquet/schema.hpp"

namespace tdump::schema {

// Bumped when the schema changes; recorded in every file's key-value metadata.
// 2: lenient reading (warnings), COG validity (is_cog, cog_errors, cog_warnings), the derived
//    geo columns (crs_epsg ... dtype) and GeoParquet's `geo` key.
inline constexpr int kSchemaVersion = 2;

struct DataColumns {
  parquet::SchemaPtr schema;
  // object
  parquet::ColumnRef path, url, size, last_modified, etag;
  // container
  parquet::ColumnRef bigtiff, byte_order, ifd_count, header_bytes, header_size, requests;
  // IFD 0 tag columns, parallel to column_tags(): the leaf (scalars) or the list element.
  struct TagColumn {
    std::uint16_t tag;
    bool is_list;
    parquet::NodeRef list;     // is_list only
    parquet::ColumnRef value;  // the leaf or the list element
  };
  std::vector<TagColumn> tags;
  // geokeys struct, parallel to tiff::known_geokeys()
  parquet::NodeRef geokeys;
  std::vector<parquet::ColumnRef> geokey_fields;
  parquet::NodeRef other_geokeys, other_tags;
  parquet::ColumnRef other_geokeys_key, other_geokeys_value, other_tags_key, other_tags_value;
  // ifds list of structs
  parquet::NodeRef ifds;
  parquet::ColumnRef ifd_width, ifd_height, ifd_tile_width, ifd_tile_height, ifd_rows_per_strip, ifd_new_subfile_type,
      ifd_compression, ifd_samples_per_pixel, ifd_bits_per_sample, ifd_sample_format, ifd_photometric, ifd_predictor,
      ifd_planar_configuration, ifd_block_count, ifd_sub_ifd_of;
  // reading and COG validity (schema version 2): lists of text, is_cog
  parquet::NodeRef warnings, cog_errors, cog_warnings;
  parquet::ColumnRef warnings_element, is_cog, cog_errors_element, cog_warnings_element;
  // Derived geo columns (src/geo, docs/geo.md), appended as one block.
  parquet::ColumnRef crs_epsg, crs_projjson;
  parquet::NodeRef geotransform;
  parquet::ColumnRef geotransform_value;
  struct BoxColumns {
    parquet::NodeRef node;
    parquet::ColumnRef xmin, ymin, xmax, ymax;
  };
  BoxColumns bounds, bbox;  // bbox: GeoParquet's covering of `geometry`
  parquet::ColumnRef geometry, dtype;
};

struct ErrorColumns {
  parquet::SchemaPtr schema;
  parquet::ColumnRef path, url, stage, kind, message, http_status, remote_code, attempts, size, last_modified, etag;
};

// Built once per process (the schema is fixed); thread-safe after construction.
const DataColumns& data_columns();
const ErrorColumns& error_columns();

// GeoParquet's `geo` key-value metadata for a data file holding `batch`'s rows: the geometry
// types and the union of the rows' bboxes, computed from the batch's bbox and geometry columns.
// `summary` is scratch space (cleared first).
std::string geoparquet_metadata(const parquet::ColumnBatch& batch, geo::GeoSummary& summary);

}  // namespace tdump::schema
