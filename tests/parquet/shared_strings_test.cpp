// ColumnBatch::set_shared_string: a value passed again and again from one place (a cached CRS's
// PROJJSON, a cached footprint) is stored once per batch, and reads back as every row's value,
// with dictionary encoding and without, through DuckDB and hyparquet.
#include <gtest/gtest.h>

#include <string>

#include "parquet/column_batch.hpp"
#include "parquet/writer.hpp"
#include "parquet_test_support.hpp"
#include "temp_dir.hpp"

namespace tdump::parquet::testing {
namespace {

struct Fixture {
  SchemaPtr schema;
  ColumnRef s, b, e;
  NodeRef tags;
};

Fixture make_schema() {
  Fixture f;
  f.schema = *Schema::make({Field::string("s"), Field::string("b"), Field::list("tags", Field::string("element"))});
  f.s = *f.schema->column("s");
  f.b = *f.schema->column("b");
  f.e = *f.schema->column("tags.element");
  f.tags = *f.schema->find("tags");
  return f;
}

TEST(SharedStrings, StoredOnceAndReadBackPerRow) {
  const Fixture f = make_schema();
  ColumnBatch batch(f.schema);
  const std::string a(2000, 'a');  // two "cache entries"
  std::string b = "bbbb" + std::string(1000, 'b');
  std::vector<std::string> expected_s;
  for (int i = 0; i < 100; ++i) {
    batch.begin_row();
    const std::string& v = i % 3 == 0 ? a : b;
    batch.set_shared_string(f.s, v, i % 3 == 0 ? 1 : 2);
    batch.set_string(f.b, "row" + std::to_string(i));  // plain values mixed in
    batch.begin_list(f.tags);
    batch.begin_element();
    batch.set_shared_string(f.e, a, 1);
    batch.end_element();
    batch.append_string(f.e, "x");
    batch.end_list();
    ASSERT_TRUE(batch.end_row().ok());
    expected_s.push_back(v);
  }
  // A row rolled back after shared values: they leave no entry behind.
  batch.begin_row();
  batch.set_shared_string(f.s, a, 1);
  batch.set_int(f.s, 1);  // misuse: fails the row
  EXPECT_FALSE(batch.end_row().ok());

  const LeafColumn& s = batch.leaf(f.s.leaf);
  ASSERT_EQ(s.num_values(), 100U);
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(s.bytes_at(i), expected_s[i]) << i;
  EXPECT_LT(s.heap().size(), a.size() + b.size() + 100);  // once each, not 100 times
  const LeafColumn& e = batch.leaf(f.e.leaf);
  ASSERT_EQ(e.num_values(), 200U);
  EXPECT_EQ(e.bytes_at(198), a);
  EXPECT_EQ(e.bytes_at(199), "x");

  // Another id is another value, even at the same address.
  batch.begin_row();
  b[0] = 'B';
  batch.set_shared_string(f.s, b, 3);
  ASSERT_TRUE(batch.end_row().ok());
  EXPECT_EQ(s.bytes_at(100), b);

  tdump::testing::TempDir dir("shared");
  for (bool dictionary : {true, false}) {
    WriterOptions options;
    options.dictionary = dictionary;
    const auto path = dir.path() / (dictionary ? "dict.parquet" : "plain.parquet");
    ASSERT_TRUE(write_parquet_file(path, batch, options).ok());
    for (const char* reader : {"duckdb", "hyparquet"}) {
      SCOPED_TRACE(std::string(reader) + (dictionary ? " dictionary" : " plain"));
      const json rows = read_rows(reader, path);
      ASSERT_EQ(rows.size(), 101U);
      for (std::size_t i = 0; i < 100; ++i) {
        EXPECT_EQ(rows[i]["s"], expected_s[i]) << i;
        EXPECT_EQ(rows[i]["b"], "row" + std::to_string(i));
        EXPECT_EQ(rows[i]["tags"], json({a, "x"}));
      }
      EXPECT_EQ(rows[100]["s"], b);
    }
  }
}

// Many cache entries in turn (the CRSs and grids of a bucket, on several I/O threads): each is
// stored once while its id keeps its slot; ids that share a slot still read back as their own.
TEST(SharedStrings, ManyInterleavedValuesAreStoredOnceEach) {
  const Fixture f = make_schema();
  ColumnBatch batch(f.schema);
  constexpr std::uint64_t kValues = 300;
  auto value_of = [](std::uint64_t id) {
    return std::to_string(id) + std::string(500, static_cast<char>('a' + id % 26));
  };
  std::vector<std::string> expected;
  for (int round = 0; round < 5; ++round) {
    for (std::uint64_t i = 0; i < kValues; ++i) {
      const std::uint64_t id = 1 + (i * 7 + static_cast<std::uint64_t>(round)) % kValues;
      batch.begin_row();
      batch.set_shared_string(f.s, value_of(id), id);
      ASSERT_TRUE(batch.end_row().ok());
      expected.push_back(value_of(id));
    }
  }
  const LeafColumn& s = batch.leaf(f.s.leaf);
  std::size_t once = 0;
  for (std::uint64_t id = 1; id <= kValues; ++id) once += value_of(id).size();
  EXPECT_EQ(s.heap().size(), once);
  // Two ids a table size apart take turns in one slot: stored again, never mixed up.
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t id = i % 2 == 0 ? 5 : 5 + 1024;
    batch.begin_row();
    batch.set_shared_string(f.s, value_of(id), id);
    ASSERT_TRUE(batch.end_row().ok());
    expected.push_back(value_of(id));
  }
  ASSERT_EQ(s.num_values(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(s.bytes_at(i), expected[i]) << i;

  // The dictionary builder takes a place's entry from its memo of places: every row still reads
  // back as its own value.
  tdump::testing::TempDir dir("shared-many");
  const auto path = dir.path() / "dict.parquet";
  ASSERT_TRUE(write_parquet_file(path, batch, WriterOptions{}).ok());
  const json rows = read_rows("duckdb", path);
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(rows[i]["s"], expected[i]) << i;
}

}  // namespace
}  // namespace tdump::parquet::testing
