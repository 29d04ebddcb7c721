// What DuckDB's parquet_schema(), parquet_metadata(), parquet_file_metadata() and
// parquet_kv_metadata() report about our files, and the page layout hyparquet's own Thrift
// decoder walks: physical/logical/nested types, statistics in each type's sort order,
// encodings, compression, row groups and pages. Expected values follow from the Parquet spec.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "parquet_test_support.hpp"
#include "support/duckdb.hpp"
#include "support/temp_dir.hpp"

namespace tdump::parquet::testing {
namespace {

using tdump::testing::duckdb_queries;
using tdump::testing::duckdb_query;

SchemaPtr make(std::vector<Field> fields) {
  auto s = Schema::make(fields);
  if (!s) throw std::runtime_error(s.error().message);
  return *s;
}

// parquet_metadata() rows keyed by path_in_schema (single row group files).
std::map<std::string, json> metadata_by_path(const std::filesystem::path& file) {
  std::map<std::string, json> out;
  for (const json& row : duckdb_query("SELECT * FROM parquet_metadata(" + sql_path(file) + ")")) {
    out[row["path_in_schema"].get<std::string>()] = row;
  }
  return out;
}

TEST(ParquetMetadata, SchemaShowsPhysicalLogicalAndNestedTypes) {
  tdump::testing::TempDir dir("tdump-parquet");
  auto schema =
      make({Field::boolean("b"), Field::int8("i8"), Field::int16("i16"), Field::int32("i32"),
            Field::int64("i64").required(), Field::uint8("u8"), Field::uint16("u16"), Field::uint32("u32"),
            Field::uint64("u64"), Field::float64("d"), Field::string("s"), Field::binary("bin"),
            Field::timestamp_millis("tms"), Field::timestamp_micros("tus"), Field::group("g", {Field::int32("x")}),
            Field::list("ifds", Field::group("element", {Field::uint32("width"),
                                                         Field::list("bits", Field::uint16("e").required())})),
            Field::map("tags", Field::int32("key"), Field::string("value"))});
  const auto file = dir / "types.parquet";
  ASSERT_TRUE(write_rows(file, schema, {{{"i64", 1}}}).ok());

  const auto results = duckdb_queries({"SELECT * FROM parquet_schema(" + sql_path(file) + ")",
                                       "DESCRIBE SELECT * FROM read_parquet(" + sql_path(file) + ")"});
  // name -> {physical type, converted type, repetition, DuckDB type}
  const std::map<std::string, std::vector<json>> expected_leaves = {
      {"b", {"BOOLEAN", nullptr, "OPTIONAL", "BOOLEAN"}},
      {"i8", {"INT32", "INT_8", "OPTIONAL", "TINYINT"}},
      {"i16", {"INT32", "INT_16", "OPTIONAL", "SMALLINT"}},
      {"i32", {"INT32", "INT_32", "OPTIONAL", "INTEGER"}},
      {"i64", {"INT64", "INT_64", "REQUIRED", "BIGINT"}},
      {"u8", {"INT32", "UINT_8", "OPTIONAL", "UTINYINT"}},
      {"u16", {"INT32", "UINT_16", "OPTIONAL", "USMALLINT"}},
      {"u32", {"INT32", "UINT_32", "OPTIONAL", "UINTEGER"}},
      {"u64", {"INT64", "UINT_64", "OPTIONAL", "UBIGINT"}},
      {"d", {"DOUBLE", nullptr, "OPTIONAL", "DOUBLE"}},
      {"s", {"BYTE_ARRAY", "UTF8", "OPTIONAL", "VARCHAR"}},
      {"bin", {"BYTE_ARRAY", nullptr, "OPTIONAL", "BLOB"}},
      {"tms", {"INT64", "TIMESTAMP_MILLIS", "OPTIONAL", "TIMESTAMP WITH TIME ZONE"}},
      {"tus", {"INT64", "TIMESTAMP_MICROS", "OPTIONAL", "TIMESTAMP WITH TIME ZONE"}},
      {"x", {"INT32", "INT_32", "OPTIONAL", "INTEGER"}},
      {"width", {"INT32", "UINT_32", "OPTIONAL", "UINTEGER"}},
      {"key", {"INT32", "INT_32", "REQUIRED", "INTEGER"}},
      {"value", {"BYTE_ARRAY", "UTF8", "OPTIONAL", "VARCHAR"}},
  };
  // Groups in depth-first order: name, repetition, children, converted type.
  const std::vector<std::vector<json>> expected_groups = {
      {"schema", nullptr, "17", nullptr},      {"g", "OPTIONAL", "1", nullptr},
      {"ifds", "OPTIONAL", "1", "LIST"},       {"list", "REPEATED", "1", nullptr},
      {"element", "OPTIONAL", "2", nullptr},   {"bits", "OPTIONAL", "1", "LIST"},
      {"list", "REPEATED", "1", nullptr},      {"tags", "OPTIONAL", "1", "MAP"},
      {"key_value", "REPEATED", "2", nullptr},
  };
  std::size_t group = 0;
  std::size_t leaves = 0;
  for (const json& row : results[0]) {
    const std::string name = row["name"];
    if (row["type"].is_null()) {
      ASSERT_LT(group, expected_groups.size());
      const auto& g = expected_groups[group++];
      EXPECT_EQ(name, g[0]);
      EXPECT_EQ(row["repetition_type"], g[1]) << name;
      EXPECT_EQ(row["num_children"], g[2]) << name;
      EXPECT_EQ(row["converted_type"], g[3]) << name;
      continue;
    }
    if (name == "element") {  // the element of "bits" (the one of "ifds" is a group)
      EXPECT_EQ(row["type"], "INT32");
      EXPECT_EQ(row["converted_type"], "UINT_16");
      EXPECT_EQ(row["repetition_type"], "REQUIRED");
      ++leaves;
      continue;
    }
    ASSERT_TRUE(expected_leaves.count(name)) << name;
    const auto& e = expected_leaves.at(name);
    EXPECT_EQ(row["type"], e[0]) << name;
    EXPECT_EQ(row["converted_type"], e[1]) << name;
    EXPECT_EQ(row["repetition_type"], e[2]) << name;
    EXPECT_EQ(row["duckdb_type"], e[3]) << name;
    ++leaves;
  }
  EXPECT_EQ(group, expected_groups.size());
  EXPECT_EQ(leaves, expected_leaves.size() + 1);
  std::map<std::string, std::string> described;
  for (const json& row : results[1]) described[row["column_name"]] = row["column_type"];
  EXPECT_EQ(described["g"], "STRUCT(x INTEGER)");
  EXPECT_EQ(described["ifds"], "STRUCT(width UINTEGER, bits USMALLINT[])[]");
  EXPECT_EQ(described["tags"], "MAP(INTEGER, VARCHAR)");
}

TEST(ParquetMetadata, StatisticsUseEachTypesSortOrder) {
  tdump::testing::TempDir dir("tdump-parquet");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto schema =
      make({Field::uint32("u32"), Field::uint64("u64"), Field::int32("i32"), Field::string("s"), Field::float64("d"),
            Field::float64("zeros"), Field::float64("only_nan"), Field::timestamp_micros("t"), Field::boolean("b"),
            Field::string("huge"), Field::list("l", Field::int16("e"))});
  const std::string huge(5000, 'h');
  std::vector<json> rows = {
      {{"u32", 4294967295U},
       {"u64", 18446744073709551615ULL},
       {"i32", -5},
       {"s", "a"},
       {"d", 2.5},
       {"zeros", 0.0},
       {"only_nan", nan},
       {"t", -1000000},
       {"b", false},
       {"huge", huge},
       {"l", {1, nullptr}}},
      {{"u32", 1},
       {"u64", 1},
       {"i32", 7},
       {"s", "\u00e9"},
       {"d", nan},
       {"zeros", -0.0},
       {"t", 1000000},
       {"l", json::array()}},
      {{"u32", 2147483648U}, {"u64", 9223372036854775808ULL}, {"s", "Z"}, {"d", -0.0}, {"b", true}, {"huge", "x"}},
  };
  const auto file = dir / "stats.parquet";
  ASSERT_TRUE(write_rows(file, schema, rows).ok());
  auto m = metadata_by_path(file);
  auto check = [&](const std::string& path, const json& min, const json& max, const std::string& nulls) {
    SCOPED_TRACE(path);
    ASSERT_TRUE(m.count(path));
    EXPECT_EQ(m[path]["stats_min_value"], min);
    EXPECT_EQ(m[path]["stats_max_value"], max);
    EXPECT_EQ(m[path]["stats_null_count"], nulls);
  };
  // Unsigned order: 2^31 and 2^63 are large positives, not negatives.
  check("u32", "1", "4294967295", "0");
  check("u64", "1", "18446744073709551615", "0");
  check("i32", "-5", "7", "1");
  // Unsigned byte-wise: 'Z' (0x5A) < 'a' (0x61) < 'é' (0xC3 0xA9).
  check("s", "Z", "\u00e9", "0");
  // NaN left out; a zero minimum is written as -0.0.
  check("d", "-0.0", "2.5", "0");
  check("zeros", "-0.0", "0.0", "1");
  check("only_nan", nullptr, nullptr, "2");
  check("t", "1969-12-31 23:59:59+00", "1970-01-01 00:00:01+00", "1");
  check("b", "false", "true", "1");
  // Bounds over 4096 bytes are left out, the null count stays.
  check("huge", nullptr, nullptr, "1");
  // Nested leaf: entries without a value (null element, empty list, null list) count as nulls.
  check("l, list, element", "1", "1", "3");  // DuckDB joins the path with ", "
  // The deprecated signed min/max are repeated only where the order is signed.
  EXPECT_EQ(m["i32"]["stats_min"], "-5");
  EXPECT_TRUE(m["u32"]["stats_min"].is_null());
  EXPECT_TRUE(m["s"]["stats_min"].is_null());
}

TEST(ParquetMetadata, EncodingsCompressionDictionaryAndKeyValues) {
  tdump::testing::TempDir dir("tdump-parquet");
  auto schema = make(
      {Field::string("distinct"), Field::string("software"), Field::int32("codes"), Field::string("forced_plain")});
  std::vector<json> rows;
  for (int i = 0; i < 2000; ++i) {
    rows.push_back({{"distinct", "value-" + std::to_string(i)},
                    {"software", i % 3 == 0 ? "GDAL 3.6.2" : "tifffile.py"},
                    {"codes", i % 2 == 0 ? 7 : 8},
                    {"forced_plain", "same"}});
  }
  WriterOptions options;
  options.max_dictionary_bytes = 4096;  // "distinct" (~23 KB of values) must fall back to PLAIN
  options.column_dictionary["forced_plain"] = false;
  options.key_value_metadata = {{"tiff-dumper.schema_version", "1"}, {"run", "{\"n_consumers\": 1000}"}};
  const auto snappy = dir / "snappy.parquet";
  ASSERT_TRUE(write_rows(snappy, schema, rows, options).ok());
  options.compression = Compression::kZstd;
  options.zstd_level = 9;
  const auto zstd = dir / "zstd.parquet";
  ASSERT_TRUE(write_rows(zstd, schema, rows, options).ok());
  options.compression = Compression::kUncompressed;
  const auto plain = dir / "uncompressed.parquet";
  ASSERT_TRUE(write_rows(plain, schema, rows, options).ok());

  auto m = metadata_by_path(snappy);
  EXPECT_EQ(m["distinct"]["encodings"], "PLAIN, RLE");  // RLE: the definition levels
  EXPECT_TRUE(m["distinct"]["dictionary_page_offset"].is_null());
  EXPECT_EQ(m["software"]["encodings"], "PLAIN, RLE_DICTIONARY, RLE");
  EXPECT_FALSE(m["software"]["dictionary_page_offset"].is_null());
  EXPECT_EQ(m["codes"]["encodings"], "PLAIN, RLE_DICTIONARY, RLE");
  EXPECT_EQ(m["forced_plain"]["encodings"], "PLAIN, RLE");
  for (const auto& [path, row] : m) EXPECT_EQ(row["compression"], "SNAPPY") << path;
  for (const auto& [path, row] : metadata_by_path(zstd)) EXPECT_EQ(row["compression"], "ZSTD") << path;
  for (const auto& [path, row] : metadata_by_path(plain)) EXPECT_EQ(row["compression"], "UNCOMPRESSED") << path;

  const auto kv =
      duckdb_query("SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(" + sql_path(snappy) + ")");
  std::map<std::string, std::string> kvs;
  for (const json& row : kv) kvs[row["k"]] = row["v"];
  EXPECT_EQ(kvs["tiff-dumper.schema_version"], "1");
  EXPECT_EQ(kvs["run"], "{\"n_consumers\": 1000}");
  EXPECT_EQ(kvs["tiff-dumper.parquet_writer"], std::string("tiff-dumper ") + TDUMP_VERSION);

  const auto fm = duckdb_query("SELECT * FROM parquet_file_metadata(" + sql_path(snappy) + ")").at(0);
  EXPECT_EQ(fm["created_by"], std::string("tiff-dumper version ") + TDUMP_VERSION + " (parquet writer)");
  EXPECT_EQ(fm["num_rows"], "2000");
  EXPECT_EQ(fm["format_version"], "1");
  ASSERT_EQ(fm["column_orders"].size(), 4U);
  for (const json& o : fm["column_orders"]) EXPECT_EQ(o, "ColumnOrder(TYPE_ORDER=TypeDefinedOrder())");

  // The page layout, walked by hyparquet's own Thrift decoder.
  const auto pages = read_rows("hyparquet-pages", snappy);
  for (const json& chunk : pages) {
    const std::string column = chunk["column"];
    const bool dictionary = column == "software" || column == "codes";
    ASSERT_FALSE(chunk["pages"].empty());
    EXPECT_EQ(chunk["pages"][0]["type"], dictionary ? "DICTIONARY_PAGE" : "DATA_PAGE") << column;
    for (std::size_t p = dictionary ? 1 : 0; p < chunk["pages"].size(); ++p) {
      EXPECT_EQ(chunk["pages"][p]["type"], "DATA_PAGE") << column;
      EXPECT_EQ(chunk["pages"][p]["encoding"], dictionary ? "RLE_DICTIONARY" : "PLAIN") << column;
    }
  }
}

TEST(ParquetMetadata, RowGroupsBoundedByRowsAndBytesAndSeveralPagesPerChunk) {
  tdump::testing::TempDir dir("tdump-parquet");
  auto schema = make({Field::int64("id").required(), Field::list("l", Field::string("e"))});
  std::vector<json> rows;
  for (int i = 0; i < 1000; ++i) {
    json l = json::array();
    for (int k = 0; k < i % 4; ++k) l.push_back("item-" + std::to_string(i * 4 + k));
    rows.push_back({{"id", i}, {"l", l}});
  }
  WriterOptions by_rows;
  by_rows.max_row_group_rows = 300;
  by_rows.target_page_bytes = 512;
  const auto rows_file = dir / "by_rows.parquet";
  ASSERT_TRUE(write_rows(rows_file, schema, rows, by_rows).ok());
  const auto groups = duckdb_query("SELECT row_group_id, any_value(row_group_num_rows) AS n FROM parquet_metadata(" +
                                   sql_path(rows_file) + ") GROUP BY ALL ORDER BY row_group_id");
  ASSERT_EQ(groups.size(), 4U);
  EXPECT_EQ(groups[0]["n"], "300");
  EXPECT_EQ(groups[3]["n"], "100");
  std::size_t multi_page_chunks = 0;
  for (const json& chunk : read_rows("hyparquet-pages", rows_file)) {
    std::int64_t values = 0;
    for (const json& p : chunk["pages"]) {
      if (p["type"] == "DATA_PAGE") values += p["num_values"].get<std::int64_t>();
    }
    std::size_t data_pages = 0;
    for (const json& p : chunk["pages"]) data_pages += p["type"] == "DATA_PAGE" ? 1 : 0;
    multi_page_chunks += data_pages >= 2 ? 1 : 0;
    // Every row group's "id" chunk holds one value per row.
    if (chunk["column"] == "id") {
      EXPECT_EQ(values, chunk["row_group"] == 3 ? 100 : 300);
    }
  }
  EXPECT_EQ(multi_page_chunks, 8U) << "every chunk should span several pages";

  WriterOptions by_bytes;
  by_bytes.target_row_group_bytes = 8 << 10;  // the batch is ~30 KB raw
  const auto bytes_file = dir / "by_bytes.parquet";
  ASSERT_TRUE(write_rows(bytes_file, schema, rows, by_bytes).ok());
  const auto n = duckdb_query("SELECT num_row_groups FROM parquet_file_metadata(" + sql_path(bytes_file) + ")");
  EXPECT_GE(std::stoi(n.at(0)["num_row_groups"].get<std::string>()), 3);
  // And the data is intact across groups and pages.
  const auto check = duckdb_query("SELECT count(*) AS n, sum(id) AS s, sum(len(l)) AS items FROM read_parquet(" +
                                  sql_path(bytes_file) + ")");
  EXPECT_EQ(check.at(0)["n"], "1000");
  EXPECT_EQ(check.at(0)["s"], "499500");
  EXPECT_EQ(check.at(0)["items"], "1500");
}

}  // namespace
}  // namespace tdump::parquet::testing
