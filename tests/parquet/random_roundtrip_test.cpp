// Property test: seeded random schemas (any nesting of structs, lists and maps over every
// column type) with random rows (nulls at every level, empty lists, special doubles, unicode,
// binary) and random writer settings, read back by DuckDB and hyparquet and compared value by
// value. A failure names its seed; TDUMP_PARQUET_SEED=<n> reruns that one seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "parquet_test_support.hpp"
#include "support/temp_dir.hpp"

namespace tdump::parquet::testing {
namespace {

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::vector<Field> schema() {
    std::vector<Field> fields;
    const int n = between(1, 6);
    for (int i = 0; i < n; ++i) fields.push_back(field("c" + std::to_string(i), 0));
    return fields;
  }

  json value(const Schema& s, std::uint32_t node) {
    const SchemaNode& n = s.nodes()[node];
    if (n.repetition == format::Repetition::kOptional && chance(0.2)) return nullptr;
    switch (n.role) {
      case SchemaNode::Role::kLeaf:
        return leaf_value(n.type);
      case SchemaNode::Role::kStruct: {
        json out = json::object();
        for (std::uint32_t c = node + 1; c < n.subtree_end; c = s.nodes()[c].subtree_end) {
          json v = value(s, c);
          if (!v.is_null() || chance(0.5)) out[s.nodes()[c].name] = v;  // missing key == null
        }
        return out;
      }
      case SchemaNode::Role::kList: {
        json out = json::array();
        const int len = between(0, 3);
        for (int i = 0; i < len; ++i) out.push_back(value(s, node + 2));
        return out;
      }
      case SchemaNode::Role::kMap: {
        json out = json::array();
        const std::uint32_t key = node + 2;
        const std::uint32_t val = s.nodes()[key].subtree_end;
        std::set<std::string> seen;
        const int len = between(0, 3);
        for (int i = 0; i < len; ++i) {
          json k = leaf_value(s.nodes()[key].type);
          if (!seen.insert(k.dump()).second) continue;  // map keys are unique
          out.push_back(json::array({k, value(s, val)}));
        }
        return out;
      }
      default:
        return nullptr;
    }
  }

  WriterOptions options() {
    WriterOptions o;
    const Compression codecs[] = {Compression::kUncompressed, Compression::kSnappy, Compression::kZstd};
    o.compression = codecs[between(0, 2)];
    o.max_row_group_rows = static_cast<std::size_t>(between(1, 40));
    o.target_page_bytes = static_cast<std::size_t>(between(16, 2048));
    o.dictionary = chance(0.7);
    o.max_dictionary_bytes = static_cast<std::size_t>(between(8, 4096));
    return o;
  }

  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

 private:
  Field field(const std::string& name, int depth) {
    const int kind = depth >= 3 ? 0 : between(0, 9);
    Field f = Field::int32(name);
    if (kind <= 4) {
      f = Field::column(name, static_cast<ColumnType>(between(0, static_cast<int>(ColumnType::kTimestampMicros))));
    } else if (kind <= 6) {
      std::vector<Field> children;
      const int n = between(1, 4);
      for (int i = 0; i < n; ++i) children.push_back(field("f" + std::to_string(i), depth + 1));
      f = Field::group(name, std::move(children));
    } else if (kind <= 8) {
      f = Field::list(name, field("element", depth + 1));
    } else {
      const ColumnType key_types[] = {ColumnType::kInt32, ColumnType::kInt64, ColumnType::kString};
      f = Field::map(name, Field::column("key", key_types[between(0, 2)]), field("value", depth + 1));
    }
    return chance(0.3) ? f.required() : f;
  }

  json leaf_value(ColumnType t) {
    switch (t) {
      case ColumnType::kBool:
        return chance(0.5);
      case ColumnType::kInt8:
        return between(-128, 127);
      case ColumnType::kInt16:
        return between(-32768, 32767);
      case ColumnType::kInt32:
        return chance(0.1) ? std::numeric_limits<std::int32_t>::min() : static_cast<std::int32_t>(rng_());
      case ColumnType::kInt64:
        return chance(0.1) ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(rng_());
      case ColumnType::kUInt8:
        return between(0, 255);
      case ColumnType::kUInt16:
        return between(0, 65535);
      case ColumnType::kUInt32:
        return static_cast<std::uint32_t>(rng_());
      case ColumnType::kUInt64:
        return chance(0.2) ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(rng_());
      case ColumnType::kDouble: {
        const double specials[] = {0.0,
                                   -0.0,
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::denorm_min(),
                                   1e300,
                                   42.0};
        if (chance(0.3)) return specials[between(0, 7)];
        return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
      }
      case ColumnType::kString: {
        static const char* const pieces[] = {"a", "Z", "0", " ", "\u00e9", "\u65e5", "\U0001F389", "\"", "\\", "\n"};
        std::string out;
        const int len = between(0, 8);
        for (int i = 0; i < len; ++i) out += pieces[between(0, 9)];
        return out;
      }
      case ColumnType::kBinary: {
        std::string out(static_cast<std::size_t>(between(0, 12)), '\0');
        for (auto& c : out) c = static_cast<char>(between(0, 255));
        return out;
      }
      case ColumnType::kTimestampMillis:
        return static_cast<std::int64_t>(rng_() % 20'000'000'000'000ULL) - 10'000'000'000'000LL;
      case ColumnType::kTimestampMicros:
        return static_cast<std::int64_t>(rng_() % 20'000'000'000'000'000ULL) - 10'000'000'000'000'000LL;
    }
    return nullptr;
  }

  std::mt19937_64 rng_;
};

TEST(ParquetRandomRoundTrip, RandomSchemasAndRowsReadBackExactly) {
  std::vector<std::uint64_t> seeds;
  if (const char* one = std::getenv("TDUMP_PARQUET_SEED")) {
    seeds.push_back(std::strtoull(one, nullptr, 10));
  } else {
    for (std::uint64_t s = 1; s <= 60; ++s) seeds.push_back(s);
  }
  tdump::testing::TempDir dir("tdump-parquet");
  struct Written {
    std::uint64_t seed;
    SchemaPtr schema;
    std::vector<json> rows;
  };
  std::vector<Written> written;
  std::vector<ReadRequest> requests;
  for (const std::uint64_t seed : seeds) {
    Generator gen(seed);
    auto schema = Schema::make(gen.schema());
    ASSERT_TRUE(schema.ok()) << "seed " << seed << ": " << schema.error().message;
    std::vector<json> rows;
    const int n = gen.between(0, 60);
    for (int i = 0; i < n; ++i) {
      json row = json::object();
      const Schema& s = **schema;
      for (std::uint32_t c = 1; c < s.nodes()[0].subtree_end; c = s.nodes()[c].subtree_end) {
        row[s.nodes()[c].name] = gen.value(s, c);
      }
      rows.push_back(row);
    }
    const auto path = dir / ("seed-" + std::to_string(seed) + ".parquet");
    auto status = write_rows(path, *schema, rows, gen.options());
    ASSERT_TRUE(status.ok()) << "seed " << seed << ": " << status.error().message;
    written.push_back({seed, *schema, rows});
    requests.push_back({"duckdb", path});
    requests.push_back({"hyparquet", path});
  }
  const auto results = read_with(requests);
  ASSERT_EQ(results.size(), requests.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    const json expected = canonical_rows(*written[i].schema, written[i].rows);
    for (std::size_t r = 0; r < 2; ++r) {
      const json& got = results[2 * i + r];
      const std::string who = "seed " + std::to_string(written[i].seed) + " read by " + requests[2 * i + r].reader;
      ASSERT_FALSE(got.contains("error")) << who << ": " << got["error"];
      ASSERT_EQ(got["rows"].size(), expected.size()) << who;
      for (std::size_t row = 0; row < expected.size(); ++row) {
        ASSERT_EQ(got["rows"][row], expected[row]) << who << ", row " << row;
      }
    }
  }
}

}  // namespace
}  // namespace tdump::parquet::testing
