// Every case of issue 3 written with our writer and read back by two independent readers,
// DuckDB and hyparquet, value by value (canonical form: parquet_test_support.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "parquet_test_support.hpp"
#include "support/temp_dir.hpp"

namespace tdump::parquet::testing {
namespace {

struct Case {
  std::string name;
  SchemaPtr schema;
  std::vector<json> rows;
  WriterOptions options;
};

SchemaPtr make(std::vector<Field> fields) {
  auto s = Schema::make(fields);
  if (!s) throw std::runtime_error(s.error().message);
  return *s;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

Case all_types() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Case c{"all_types",
         make({Field::boolean("b"), Field::int8("i8"), Field::int16("i16"), Field::int32("i32"), Field::int64("i64"),
               Field::uint8("u8"), Field::uint16("u16"), Field::uint32("u32"), Field::uint64("u64"),
               Field::float64("d"), Field::string("s"), Field::binary("bin"), Field::timestamp_millis("tms"),
               Field::timestamp_micros("tus"), Field::int32("req_i32").required(), Field::string("req_s").required(),
               Field::float64("req_d").required(), Field::boolean("req_b").required()}),
         {},
         {}};
  c.rows = {
      {{"b", true},
       {"i8", -128},
       {"i16", -32768},
       {"i32", std::numeric_limits<std::int32_t>::min()},
       {"i64", std::numeric_limits<std::int64_t>::min()},
       {"u8", 0},
       {"u16", 0},
       {"u32", 0},
       {"u64", 0},
       {"d", -0.0},
       {"s", ""},
       {"bin", ""},
       {"tms", -1},
       {"tus", -62135596800000000LL},
       {"req_i32", 0},
       {"req_s", "a"},
       {"req_d", 1.5},
       {"req_b", false}},
      {{"b", false},
       {"i8", 127},
       {"i16", 32767},
       {"i32", std::numeric_limits<std::int32_t>::max()},
       {"i64", std::numeric_limits<std::int64_t>::max()},
       {"u8", 255},
       {"u16", 65535},
       {"u32", 4294967295U},
       {"u64", 18446744073709551615ULL},
       {"d", inf},
       {"s", "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001F389"},
       {"bin", std::string("\0\x01\xff\x80", 4)},
       {"tms", 1704067200123LL},
       {"tus", 1704067200123456LL},
       {"req_i32", -7},
       {"req_s", ""},
       {"req_d", -inf},
       {"req_b", true}},
      {{"d", nan}, {"req_i32", 1}, {"req_s", "z"}, {"req_d", 5e-324}, {"req_b", true}},
      {{"d", 1e300},
       {"u32", 2147483648U},
       {"u64", 9223372036854775808ULL},
       {"req_i32", 2},
       {"req_s", "\t\"quoted\"\n"},
       {"req_d", 0.1},
       {"req_b", false}},
      {{"d", 123456789.0},
       {"s", std::string("nul\0inside", 10)},
       {"req_i32", 3},
       {"req_s", "x"},
       {"req_d", 2.0},
       {"req_b", true}},
  };
  return c;
}

Case structs() {
  Case c{"structs",
         make({Field::group("g", {Field::int32("x"), Field::string("y"),
                                  Field::group("inner", {Field::float64("z"), Field::int64("w").required()})}),
               Field::group("req", {Field::int32("a"), Field::int32("b").required()}).required()}),
         {},
         {}};
  c.rows = {
      {{"req", {{"b", 1}}}},                                   // g null
      {{"g", json::object()}, {"req", {{"a", 2}, {"b", 2}}}},  // g present, all null
      {{"g", {{"x", 1}}}, {"req", {{"b", 3}}}},                // inner null
      {{"g", {{"inner", {{"w", 9}}}}}, {"req", {{"b", 4}}}},   // inner present, z null
      {{"g", {{"x", 5}, {"y", "s"}, {"inner", {{"z", 0.25}, {"w", -1}}}}}, {"req", {{"a", 6}, {"b", 5}}}},
  };
  return c;
}

Case lists() {
  Case c{"lists",
         make({Field::list("opt_elems", Field::int32("e")), Field::list("req_elems", Field::string("e").required()),
               Field::list("doubles", Field::float64("e")).required(),
               Field::list("nested", Field::list("e", Field::int64("e")))}),
         {},
         {}};
  c.rows = {
      {{"doubles", json::array()}},  // nulls and an empty required list
      {{"opt_elems", json::array()}, {"req_elems", json::array()}, {"doubles", {nullptr}}, {"nested", json::array()}},
      {{"opt_elems", {nullptr}}, {"req_elems", {""}}, {"doubles", {1.5, nullptr, -2.0}}, {"nested", {nullptr}}},
      {{"opt_elems", {1, nullptr, 3}},
       {"req_elems", {"a", "b\u00fc"}},
       {"doubles", {0.0}},
       {"nested", {json::array(), {1, 2}, nullptr, {nullptr, 3}}}},
      {{"opt_elems", {nullptr, nullptr}}, {"doubles", json::array()}, {"nested", {{{4}}}}},
  };
  // "nested" row 4 is [[4]] written as [[4]]: fix the accidental extra nesting above.
  c.rows[4]["nested"] = json::array({json::array({4})});
  return c;
}

Case list_of_structs() {
  // The shape of the `ifds` column: list<struct<..., list<uint16>>>.
  Case c{"list_of_structs",
         make({Field::list("ifds", Field::group("element", {Field::uint32("width"), Field::uint32("height"),
                                                            Field::list("bits", Field::uint16("e").required()),
                                                            Field::string("compression")}))}),
         {},
         {}};
  c.rows = {
      {},
      {{"ifds", json::array()}},
      {{"ifds", {nullptr}}},
      {{"ifds", {json::object()}}},
      {{"ifds",
        {{{"width", 256}, {"height", 128}, {"bits", {8, 8, 8}}, {"compression", "deflate"}},
         nullptr,
         {{"width", 128}, {"bits", json::array()}},
         {{"height", 4294967295U}, {"compression", ""}}}}},
  };
  return c;
}

Case maps() {
  Case c{"maps",
         make({Field::map("by_id", Field::int32("k"), Field::string("v")),
               Field::map("by_name", Field::string("k"), Field::string("v").required()),
               Field::group("holder", {Field::map("m", Field::uint16("k"), Field::list("v", Field::float64("e"))),
                                       Field::list("l", Field::int32("e"))})}),
         {},
         {}};
  c.rows = {
      {},
      {{"by_id", json::array()}, {"by_name", json::array()}, {"holder", json::object()}},
      {{"by_id", {{270, "ImageDescription"}, {305, nullptr}, {-5, ""}}},
       {"by_name", json::array({json::array({"a", "1"}), json::array({"b", ""})})},
       {"holder", {{"m", {{1, nullptr}, {2, json::array()}, {3, {1.0, nullptr}}}}, {"l", json::array()}}}},
      {{"holder", {{"l", {nullptr, 7}}}}},
  };
  return c;
}

Case zero_rows() {
  return {"zero_rows",
          make({Field::int64("a").required(), Field::string("s"), Field::list("l", Field::int32("e"))}),
          {},
          {}};
}

Case one_row() {
  return {"one_row",
          make({Field::int64("a").required(), Field::string("s"), Field::list("l", Field::int32("e"))}),
          {{{"a", 42}, {"s", "only"}, {"l", {1}}}},
          {}};
}

Case large_binary() {
  Case c{"large_binary", make({Field::binary("blob"), Field::string("text")}), {}, {}};
  c.options.target_page_bytes = 256 << 10;  // several pages per chunk
  c.rows = {
      {{"blob", random_bytes(std::size_t{3} << 20, 1)}, {"text", std::string(100000, 'x')}},
      {{"blob", ""}},
      {{"blob", random_bytes(std::size_t{1} << 20, 2)}, {"text", "short"}},
      {{"blob", random_bytes(700000, 3)}},
  };
  return c;
}

Case with_codec(Case c, Compression codec, const std::string& suffix) {
  c.name += suffix;
  c.options.compression = codec;
  return c;
}

Case many_pages_and_groups() {
  // Small pages and row groups over nested data, so pages and row groups split inside lists.
  Case c{"pages_and_groups",
         make({Field::int64("id").required(), Field::list("l", Field::string("e")),
               Field::group("g", {Field::list("inner", Field::int32("e")), Field::float64("d")})}),
         {},
         {}};
  c.options.max_row_group_rows = 97;
  c.options.target_page_bytes = 200;
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    json row = {{"id", i}};
    if (rng() % 5 != 0) {
      json l = json::array();
      const int n = static_cast<int>(rng() % 6);
      for (int k = 0; k < n; ++k) l.push_back(rng() % 7 == 0 ? json() : json("v" + std::to_string(rng() % 50)));
      row["l"] = l;
    }
    if (rng() % 4 != 0) {
      json g = json::object();
      if (rng() % 3 != 0) {
        json inner = json::array();
        const int n = static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) inner.push_back(static_cast<int>(rng() % 1000) - 500);
        g["inner"] = inner;
      }
      if (rng() % 2 == 0) g["d"] = static_cast<double>(rng() % 1000) / 8.0;
      row["g"] = g;
    }
    c.rows.push_back(row);
  }
  return c;
}

Case dictionary_fallback() {
  Case c{"dictionary_fallback", make({Field::string("distinct"), Field::string("repeated")}), {}, {}};
  c.options.max_dictionary_bytes = 1000;
  for (int i = 0; i < 500; ++i) {
    c.rows.push_back({{"distinct", "value-" + std::to_string(i)}, {"repeated", i % 3 == 0 ? "tiff" : "cog"}});
  }
  return c;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases{all_types(), structs(), lists(),        list_of_structs(),       maps(),
                          zero_rows(), one_row(), large_binary(), many_pages_and_groups(), dictionary_fallback()};
  cases.push_back(with_codec(all_types(), Compression::kZstd, "_zstd"));
  cases.push_back(with_codec(list_of_structs(), Compression::kZstd, "_zstd"));
  cases.push_back(with_codec(maps(), Compression::kUncompressed, "_uncompressed"));
  cases.push_back(with_codec(many_pages_and_groups(), Compression::kUncompressed, "_uncompressed"));
  Case no_dict = many_pages_and_groups();
  no_dict.name += "_no_dictionary";
  no_dict.options.dictionary = false;
  cases.push_back(no_dict);
  return cases;
}

TEST(ParquetRoundTrip, DuckDbAndHyparquetReadEveryCaseExactly) {
  tdump::testing::TempDir dir("tdump-parquet");
  const auto cases = all_cases();
  std::vector<ReadRequest> requests;
  for (const Case& c : cases) {
    const auto path = dir / (c.name + ".parquet");
    auto s = write_rows(path, c.schema, c.rows, c.options);
    ASSERT_TRUE(s.ok()) << c.name << ": " << s.error().message;
    requests.push_back({"duckdb", path});
    requests.push_back({"hyparquet", path});
  }
  const auto results = read_with(requests);
  ASSERT_EQ(results.size(), requests.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json expected = canonical_rows(*cases[i].schema, cases[i].rows);
    for (std::size_t r = 0; r < 2; ++r) {
      const json& got = results[2 * i + r];
      const std::string who = cases[i].name + " read by " + requests[2 * i + r].reader;
      ASSERT_FALSE(got.contains("error")) << who << ": " << got["error"];
      ASSERT_EQ(got["rows"].size(), expected.size()) << who;
      for (std::size_t row = 0; row < expected.size(); ++row) {
        EXPECT_EQ(got["rows"][row], expected[row]) << who << ", row " << row;
      }
    }
  }
}

}  // namespace
}  // namespace tdump::parquet::testing
