// A million rows across several row groups and many pages, written through the row builder and
// checked value by value inside DuckDB: every row is compared with the generator's formula.
#include <gtest/gtest.h>

#include <string>

#include "parquet_test_support.hpp"
#include "support/duckdb.hpp"
#include "support/temp_dir.hpp"

namespace tdump::parquet::testing {
namespace {

constexpr std::int64_t kRows = 1'000'000;

TEST(ParquetMillionRows, EveryValueReadsBackInDuckDb) {
  auto s = Schema::make({Field::int64("id").required(), Field::string("name").required(), Field::float64("d"),
                         Field::list("tags", Field::int32("element").required()),
                         Field::group("g", {Field::uint16("a").required(), Field::string("s")})});
  ASSERT_TRUE(s.ok());
  const SchemaPtr schema = *s;
  const ColumnRef id = *schema->column("id");
  const ColumnRef name = *schema->column("name");
  const ColumnRef d = *schema->column("d");
  const NodeRef tags = *schema->find("tags");
  const ColumnRef tag = *schema->column("tags.element");
  const ColumnRef ga = *schema->column("g.a");
  const ColumnRef gs = *schema->column("g.s");

  ColumnBatch batch(schema);
  std::string text;
  for (std::int64_t i = 0; i < kRows; ++i) {
    batch.begin_row();
    batch.set_int(id, i);
    text = "name-" + std::to_string(i % 1000);
    batch.set_string(name, text);
    if (i % 7 != 0) batch.set_double(d, static_cast<double>(i) * 0.5);
    if (i % 11 != 0) {
      batch.begin_list(tags);
      for (std::int64_t k = 0; k < i % 4; ++k) batch.append_int(tag, i + k);
      batch.end_list();
    }
    if (i % 13 != 0) {
      batch.set_uint(ga, static_cast<std::uint64_t>(i % 65536));
      if (i % 3 != 0) batch.set_string(gs, "s" + std::to_string(i % 17));
    }
    ASSERT_TRUE(batch.end_row().ok());
  }
  tdump::testing::TempDir dir("tdump-parquet");
  const auto file = dir / "million.parquet";
  WriterOptions options;
  options.max_row_group_rows = 300'000;
  options.target_page_bytes = 64 << 10;
  auto written = write_parquet_file(file, batch, options);
  ASSERT_TRUE(written.ok()) << written.error().message;

  const std::string f = sql_path(file);
  const auto results = tdump::testing::duckdb_queries({
      "SELECT count(*) AS n, count(*) FILTER (WHERE NOT coalesce("
      "  id = file_row_number"
      "  AND name = 'name-' || (id % 1000)"
      "  AND CASE WHEN id % 7 = 0 THEN d IS NULL ELSE d = id * 0.5 END"
      "  AND CASE WHEN id % 11 = 0 THEN tags IS NULL"
      "      ELSE tags::BIGINT[] = list_transform(range(id % 4), k -> id + k) END"
      "  AND CASE WHEN id % 13 = 0 THEN g IS NULL"
      "      ELSE g.a = id % 65536 AND CASE WHEN id % 3 = 0 THEN g.s IS NULL ELSE g.s = 's' || (id % 17) END END"
      ", false)) AS bad FROM read_parquet(" +
          f + ", file_row_number = true)",
      "SELECT num_row_groups, num_rows FROM parquet_file_metadata(" + f + ")",
  });
  EXPECT_EQ(results[0].at(0)["n"], std::to_string(kRows));
  EXPECT_EQ(results[0].at(0)["bad"], "0");
  EXPECT_EQ(results[1].at(0)["num_row_groups"], "4");
  EXPECT_EQ(results[1].at(0)["num_rows"], std::to_string(kRows));

  // Several pages per chunk: the id column alone is 2.4 MB per row group at 64 KiB pages.
  for (const json& chunk : read_rows("hyparquet-pages", file)) {
    if (chunk["column"] != "id") continue;
    EXPECT_GT(chunk["pages"].size(), 10U) << "row group " << chunk["row_group"];
  }
}

}  // namespace
}  // namespace tdump::parquet::testing
