#include <gtest/gtest.h>
#include "parquet_test_support.hpp"
#include "support/duckdb.hpp"
#include "support/temp_dir.hpp"
using namespace tdump::parquet;
using namespace tdump::parquet::testing;
TEST(Probe, Smoke) {
  auto schema = Schema::make({Field::string("path").required(), Field::int64("size"), Field::uint32("u"),
                              Field::group("g", {Field::uint16("a"), Field::string("b")}),
                              Field::list("l", Field::int32("element")),
                              Field::map("m", Field::int32("k"), Field::string("v")),
                              Field::list("ifds", Field::group("e", {Field::uint32("w"), Field::list("bps", Field::uint16("x").required())})),
                              Field::timestamp_micros("ts"), Field::float64("d"), Field::binary("bin"), Field::boolean("flag")}).value();
  std::vector<json> rows = {
    json{{"path", "a"}, {"size", 5}, {"u", 4294967295u}, {"g", {{"a", 3}}}, {"l", {1, nullptr, 3}}, {"m", {{270, "x"}, {271, nullptr}}},
         {"ifds", {{{"w", 5}, {"bps", {8, 8, 8}}}, nullptr, json::object()}}, {"ts", 1704067200123456}, {"d", -0.0}, {"bin", std::string("\0\xff", 2)}, {"flag", true}},
    json{{"path", "b"}, {"l", json::array()}, {"ifds", json::array()}, {"g", json::object()}},
    json{{"path", "c"}},
  };
  tdump::testing::TempDir dir;
  auto s = write_rows(dir / "a.parquet", schema, rows);
  ASSERT_TRUE(s.ok()) << s.error().message;
  std::cout << canonical_rows(*schema, rows).dump() << "\n";
  for (auto& r : read_with({{"duckdb", dir / "a.parquet"}, {"hyparquet", dir / "a.parquet"}})) std::cout << r.dump() << "\n";
  std::cout << tdump::testing::duckdb_query("SELECT * FROM parquet_schema(" + sql_path(dir / "a.parquet") + ")").dump(1) << "\n";
  std::cout << tdump::testing::duckdb_query("SELECT * FROM parquet_metadata(" + sql_path(dir / "a.parquet") + ") LIMIT 3").dump(1) << "\n";
}
