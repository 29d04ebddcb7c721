// The row builder's definition/repetition levels against levels worked out by hand with the
// Dremel rules of the Parquet spec, and its misuse errors.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "parquet/column_batch.hpp"

namespace tdump::parquet {
namespace {

using Levels = std::vector<std::uint8_t>;

Levels levels_of(std::span<const std::uint8_t> s) {
  return {s.begin(), s.end()};
}

class RowBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // a: optional struct {b: optional int32, c: required int32}
    // l: optional list<optional int32>
    // ifds: optional list<optional struct {w: optional int32, bps: optional list<required int32>}>
    // m: optional map<int32, optional string>
    auto s = Schema::make({
        Field::group("a", {Field::int32("b"), Field::int32("c").required()}),
        Field::list("l", Field::int32("element")),
        Field::list("ifds",
                    Field::group("element", {Field::int32("w"), Field::list("bps", Field::int32("x").required())})),
        Field::map("m", Field::int32("key"), Field::string("value")),
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
    schema = *s;
    batch = std::make_unique<ColumnBatch>(schema);
    a = schema->find("a")->index;
    ab = *schema->column("a.b");
    ac = *schema->column("a.c");
    l = schema->find("l")->index;
    le = *schema->column("l.element");
    ifds = schema->find("ifds")->index;
    w = *schema->column("ifds.w");
    bps = schema->find("ifds.bps")->index;
    bpsx = *schema->column("ifds.bps.element");
    m = schema->find("m")->index;
    mk = *schema->column("m.key");
    mv = *schema->column("m.value");
  }

  // end_row() fails naming `needle`, the row is rolled back and the batch stays valid.
  void expect_row_error(const std::string& needle, std::size_t rows_before) {
    auto s = batch->end_row();
    ASSERT_FALSE(s.ok()) << "expected an error containing '" << needle << "'";
    EXPECT_NE(s.error().message.find(needle), std::string::npos) << s.error().message;
    EXPECT_EQ(batch->num_rows(), rows_before);
    EXPECT_TRUE(batch->validate().ok()) << batch->validate().error().message;
  }

  SchemaPtr schema;
  std::unique_ptr<ColumnBatch> batch;
  std::uint32_t a = 0, l = 0, ifds = 0, bps = 0, m = 0;
  ColumnRef ab, ac, le, w, bpsx, mk, mv;
};

TEST_F(RowBuilderTest, SchemaLevelsFollowTheSpec) {
  EXPECT_EQ(schema->leaf(ab).max_def, 2);
  EXPECT_EQ(schema->leaf(ac).max_def, 1);
  EXPECT_EQ(schema->leaf(le).max_def, 3);
  EXPECT_EQ(schema->leaf(le).max_rep, 1);
  EXPECT_EQ(schema->leaf(w).max_def, 4);
  EXPECT_EQ(schema->leaf(bpsx).max_def, 5);
  EXPECT_EQ(schema->leaf(bpsx).max_rep, 2);
  EXPECT_EQ(schema->leaf(mk).max_def, 2);
  EXPECT_EQ(schema->leaf(mv).max_def, 3);
  EXPECT_EQ(schema->leaf(bpsx).dotted_path, "ifds.list.element.bps.list.element");
  EXPECT_EQ(schema->leaf(mk).dotted_path, "m.key_value.key");
}

TEST_F(RowBuilderTest, LevelsForEveryNullAndEmptyCase) {
  auto& b = *batch;
  // Row 0: a={b:7,c:1}; l=[1,null]; ifds=[{w:5,bps:[8,8]}, null, {w:null,bps:[]}]; m={1:"x",2:null}
  b.begin_row();
  b.set_int(ab, 7);
  b.set_int(ac, 1);
  b.begin_list(NodeRef{l});
  b.append_int(le, 1);
  b.append_null_element();
  b.end_list();
  b.begin_list(NodeRef{ifds});
  b.begin_element();
  b.set_int(w, 5);
  b.begin_list(NodeRef{bps});
  b.append_int(bpsx, 8);
  b.append_int(bpsx, 8);
  b.end_list();
  b.end_element();
  b.append_null_element();
  b.begin_element();
  b.set_null(w);
  b.begin_list(NodeRef{bps});
  b.end_list();
  b.end_element();
  b.end_list();
  b.begin_map(NodeRef{m});
  b.begin_entry();
  b.set_int(mk, 1);
  b.set_string(mv, "x");
  b.end_entry();
  b.begin_entry();
  b.set_int(mk, 2);
  b.end_entry();
  b.end_map();
  ASSERT_TRUE(b.end_row().ok());
  // Row 1: a=null; l=null; ifds=[]; m={}
  b.begin_row();
  b.begin_list(NodeRef{ifds});
  b.end_list();
  b.begin_map(NodeRef{m});
  b.end_map();
  ASSERT_TRUE(b.end_row().ok());
  // Row 2: a={c:2}; l=[]; ifds=null; m=null
  b.begin_row();
  b.set_int(ac, 2);
  b.begin_list(NodeRef{l});
  b.end_list();
  ASSERT_TRUE(b.end_row().ok());

  ASSERT_EQ(b.num_rows(), 3U);
  ASSERT_TRUE(b.validate().ok());
  const auto& lab = b.leaf(ab.leaf);
  EXPECT_EQ(levels_of(lab.def_levels()), (Levels{2, 0, 1}));
  EXPECT_EQ(std::vector<int>(lab.int32_values().begin(), lab.int32_values().end()), (std::vector<int>{7}));
  const auto& lac = b.leaf(ac.leaf);
  EXPECT_EQ(levels_of(lac.def_levels()), (Levels{1, 0, 1}));
  EXPECT_EQ(lac.num_values(), 2U);
  const auto& lle = b.leaf(le.leaf);
  EXPECT_EQ(levels_of(lle.def_levels()), (Levels{3, 2, 0, 1}));
  EXPECT_EQ(levels_of(lle.rep_levels()), (Levels{0, 1, 0, 0}));
  const auto& lw = b.leaf(w.leaf);
  EXPECT_EQ(levels_of(lw.def_levels()), (Levels{4, 2, 3, 1, 0}));
  EXPECT_EQ(levels_of(lw.rep_levels()), (Levels{0, 1, 1, 0, 0}));
  const auto& lx = b.leaf(bpsx.leaf);
  EXPECT_EQ(levels_of(lx.def_levels()), (Levels{5, 5, 2, 4, 1, 0}));
  EXPECT_EQ(levels_of(lx.rep_levels()), (Levels{0, 2, 1, 1, 0, 0}));
  EXPECT_EQ(lx.num_values(), 2U);
  const auto& lk = b.leaf(mk.leaf);
  EXPECT_EQ(levels_of(lk.def_levels()), (Levels{2, 2, 1, 0}));
  EXPECT_EQ(levels_of(lk.rep_levels()), (Levels{0, 1, 0, 0}));
  const auto& lv = b.leaf(mv.leaf);
  EXPECT_EQ(levels_of(lv.def_levels()), (Levels{3, 2, 1, 0}));
  EXPECT_EQ(lv.bytes_at(0), "x");
}

TEST_F(RowBuilderTest, BeginStructMakesAStructPresentWithNullFields) {
  auto s = Schema::make({Field::group("g", {Field::int32("x"), Field::string("y")})});
  ASSERT_TRUE(s.ok());
  ColumnBatch b(*s);
  b.begin_row();
  b.begin_struct(*(*s)->find("g"));
  ASSERT_TRUE(b.end_row().ok());
  b.begin_row();
  ASSERT_TRUE(b.end_row().ok());
  EXPECT_EQ(levels_of(b.leaf(0).def_levels()), (Levels{1, 0}));
  EXPECT_EQ(levels_of(b.leaf(1).def_levels()), (Levels{1, 0}));
}

TEST_F(RowBuilderTest, MisuseIsReportedAndTheRowRolledBack) {
  auto& b = *batch;
  b.begin_row();
  b.set_int(ac, 1);
  ASSERT_TRUE(b.end_row().ok());

  auto expect_error = [&](const std::string& needle) { expect_row_error(needle, 1); };

  b.begin_row();
  b.set_int(ab, 1);  // a present, required a.c missing
  b.begin_list(NodeRef{l});
  b.append_int(le, 5);
  b.end_list();
  expect_error("required column 'a.c' not set");

  b.begin_row();
  b.set_int(ac, 1);
  b.set_int(ac, 2);
  expect_error("duplicate value for column 'a.c'");

  b.begin_row();
  b.set_int(w, 1);  // outside its list element
  expect_error("outside its list element");

  b.begin_row();
  b.begin_list(NodeRef{l});
  expect_error("still open");

  b.begin_row();
  b.set_string(ac, "x");
  expect_error("set_string on column 'a.c' (int32)");

  b.begin_row();
  b.set_int(ac, std::int64_t{1} << 40);
  expect_error("out of range");

  b.begin_row();
  b.set_null(ac);
  expect_error("null for required column 'a.c'");

  b.begin_row();
  b.begin_map(NodeRef{m});
  b.begin_entry();
  b.set_string(mv, "v");  // key missing
  b.end_entry();
  b.end_map();
  expect_error("required column 'm.key_value.key' not set");

  // After all that, a good row still goes in.
  b.begin_row();
  b.set_int(ac, 3);
  ASSERT_TRUE(b.end_row().ok());
  EXPECT_EQ(b.num_rows(), 2U);
  EXPECT_EQ(levels_of(b.leaf(ac.leaf).def_levels()), (Levels{1, 1}));
  EXPECT_EQ(levels_of(b.leaf(le.leaf).def_levels()), (Levels{0, 0}));
}

TEST_F(RowBuilderTest, RunsOfElementsGetTheLevelsElementsGetOneByOne) {
  auto& b = *batch;
  const std::vector<std::uint64_t> xs{8, 16, 32};
  auto at = [&](std::size_t k) { return xs[k]; };
  // Row 0: l=[1, 8, 16, 32, null] (a run after an element); ifds=[{bps:[8,16,32]}, {bps:[8,16]}]
  // (runs in a list nested in a struct element; the second run repeats at the ifds level)
  b.begin_row();
  b.set_int(ac, 1);
  b.begin_list(NodeRef{l});
  b.append_int(le, 1);
  b.append_uints(le, 3, at);
  b.append_null_element();
  b.end_list();
  b.begin_list(NodeRef{ifds});
  b.begin_element();
  b.begin_list(NodeRef{bps});
  b.append_uints(bpsx, 3, at);
  b.end_list();
  b.end_element();
  b.begin_element();
  b.begin_list(NodeRef{bps});
  b.append_uints(bpsx, 2, at);
  b.append_uints(bpsx, 0, at);
  b.end_list();
  b.end_element();
  b.end_list();
  ASSERT_TRUE(b.end_row().ok());
  // Row 1: l=[8, 16], a run as the list's first elements.
  b.begin_row();
  b.set_int(ac, 2);
  b.begin_list(NodeRef{l});
  b.append_uints(le, 2, at);
  b.end_list();
  ASSERT_TRUE(b.end_row().ok());
  // Row 2: l=[], an empty run.
  b.begin_row();
  b.set_int(ac, 3);
  b.begin_list(NodeRef{l});
  b.append_uints(le, 0, at);
  b.end_list();
  ASSERT_TRUE(b.end_row().ok());

  ASSERT_TRUE(b.validate().ok()) << b.validate().error().message;
  const auto& lle = b.leaf(le.leaf);
  EXPECT_EQ(levels_of(lle.def_levels()), (Levels{3, 3, 3, 3, 2, 3, 3, 1}));
  EXPECT_EQ(levels_of(lle.rep_levels()), (Levels{0, 1, 1, 1, 1, 0, 1, 0}));
  EXPECT_EQ(std::vector<int>(lle.int32_values().begin(), lle.int32_values().end()),
            (std::vector<int>{1, 8, 16, 32, 8, 16}));
  const auto& lw = b.leaf(w.leaf);  // never set: null in each present element
  EXPECT_EQ(levels_of(lw.def_levels()), (Levels{3, 3, 0, 0}));
  EXPECT_EQ(levels_of(lw.rep_levels()), (Levels{0, 1, 0, 0}));
  const auto& lx = b.leaf(bpsx.leaf);
  EXPECT_EQ(levels_of(lx.def_levels()), (Levels{5, 5, 5, 5, 5, 0, 0}));
  EXPECT_EQ(levels_of(lx.rep_levels()), (Levels{0, 2, 2, 1, 2, 0, 0}));
  EXPECT_EQ(std::vector<int>(lx.int32_values().begin(), lx.int32_values().end()), (std::vector<int>{8, 16, 32, 8, 16}));

  // Misuse is reported as element by element would, and the row rolled back.
  auto expect_error = [&](const std::string& needle) { expect_row_error(needle, 3); };
  const std::vector<std::uint64_t> big{1, std::uint64_t{1} << 40};
  b.begin_row();
  b.set_int(ac, 4);
  b.begin_list(NodeRef{l});
  b.append_uints(le, 2, [&](std::size_t k) { return big[k]; });
  b.end_list();
  expect_error("out of range");
  b.begin_row();
  b.set_int(ac, 4);
  b.begin_list(NodeRef{l});
  b.append_doubles(le, 1, [](std::size_t) { return 1.5; });
  b.end_list();
  expect_error("set_double on column");
  b.begin_row();
  b.set_int(ac, 4);
  b.append_uints(le, 1, at);  // no begin_list
  expect_error("begin_element() outside a list or map");
}

TEST(RowRuns, BulkAndOneByOneBuildTheSameColumns) {
  // Random rows of two primitive lists (optional DOUBLE and UINT64 elements), built once with
  // runs and once element by element, must give identical levels and values.
  auto s = Schema::make(
      {Field::list("d", Field::float64("element")), Field::list("u", Field::uint64("element")), Field::int32("n")});
  ASSERT_TRUE(s.ok()) << s.error().message;
  const SchemaPtr schema = *s;
  const std::uint32_t d = schema->find("d")->index;
  const std::uint32_t u = schema->find("u")->index;
  const ColumnRef de = *schema->column("d.element");
  const ColumnRef ue = *schema->column("u.element");
  const ColumnRef n = *schema->column("n");
  ColumnBatch bulk(schema);
  ColumnBatch single(schema);
  std::mt19937_64 rng(7);
  for (int row = 0; row < 500; ++row) {
    std::vector<double> dv(rng() % 6);
    for (double& v : dv) v = static_cast<double>(rng() % 1000) / 8;
    std::vector<std::uint64_t> uv(rng() % 6);
    for (auto& v : uv) v = rng();
    const bool with_d = rng() % 4 != 0;
    const bool null_first = rng() % 3 == 0;
    for (ColumnBatch* b : {&bulk, &single}) {
      b->begin_row();
      b->set_int(n, row);
      if (with_d) {
        b->begin_list(NodeRef{d});
        if (null_first) b->append_null_element();
        if (b == &bulk) {
          b->append_doubles(de, dv.size(), [&](std::size_t k) { return dv[k]; });
        } else {
          for (double v : dv) b->append_double(de, v);
        }
        b->end_list();
      }
      b->begin_list(NodeRef{u});
      if (b == &bulk) {
        b->append_uints(ue, uv.size(), [&](std::size_t k) { return uv[k]; });
      } else {
        for (auto v : uv) b->append_uint(ue, v);
      }
      b->end_list();
      ASSERT_TRUE(b->end_row().ok());
    }
  }
  ASSERT_TRUE(bulk.validate().ok());
  for (std::size_t i = 0; i < bulk.num_leaves(); ++i) {
    SCOPED_TRACE("leaf " + std::to_string(i));
    EXPECT_EQ(levels_of(bulk.leaf(i).def_levels()), levels_of(single.leaf(i).def_levels()));
    EXPECT_EQ(levels_of(bulk.leaf(i).rep_levels()), levels_of(single.leaf(i).rep_levels()));
    const auto bd = bulk.leaf(i).double_values();
    const auto sd = single.leaf(i).double_values();
    EXPECT_TRUE(std::equal(bd.begin(), bd.end(), sd.begin(), sd.end()));
    const auto bi = bulk.leaf(i).int64_values();
    const auto si = single.leaf(i).int64_values();
    EXPECT_TRUE(std::equal(bi.begin(), bi.end(), si.begin(), si.end()));
  }
  EXPECT_GT(bulk.leaf(de.leaf).double_values().size(), 500U);
}

TEST_F(RowBuilderTest, RollbackRestoresAnEarlierRowCountAndClosesAnOpenRow) {
  auto& b = *batch;
  auto row = [&](int v, bool with_list) {
    b.begin_row();
    b.set_int(ac, v);
    if (with_list) {
      b.begin_list(NodeRef{ifds});
      b.begin_element();
      b.set_int(w, v);
      b.begin_list(NodeRef{bps});
      b.append_int(bpsx, v);
      b.end_list();
      b.end_element();
      b.end_list();
    }
    ASSERT_TRUE(b.end_row().ok());
  };
  row(1, true);
  row(2, false);
  const std::size_t bytes_after_two = b.buffered_bytes();
  // Two more complete rows and one left open in the middle of a nested list: what a caller
  // that appends one logical row in several steps leaves behind when a later step fails.
  row(3, true);
  row(4, true);
  b.begin_row();
  b.set_int(ac, 5);
  b.begin_list(NodeRef{ifds});
  b.begin_element();
  b.set_int(w, 5);
  b.rollback(2);
  EXPECT_FALSE(b.row_open());
  EXPECT_EQ(b.num_rows(), 2U);
  EXPECT_EQ(b.buffered_bytes(), bytes_after_two);
  ASSERT_TRUE(b.validate().ok()) << b.validate().error().message;
  EXPECT_EQ(levels_of(b.leaf(ac.leaf).def_levels()), (Levels{1, 1}));
  EXPECT_EQ(levels_of(b.leaf(w.leaf).def_levels()), (Levels{4, 0}));
  EXPECT_EQ(levels_of(b.leaf(bpsx.leaf).rep_levels()), (Levels{0, 0}));
  // A count past the end only closes the open row; the rows stay.
  b.begin_row();
  b.set_int(ac, 6);
  b.rollback(99);
  EXPECT_FALSE(b.row_open());
  EXPECT_EQ(b.num_rows(), 2U);
  // The batch goes on as if the dropped rows had never been appended.
  row(7, true);
  ASSERT_EQ(b.num_rows(), 3U);
  ASSERT_TRUE(b.validate().ok()) << b.validate().error().message;
  const auto values = b.leaf(ac.leaf).int32_values();
  EXPECT_EQ(std::vector<int>(values.begin(), values.end()), (std::vector<int>{1, 2, 7}));
  b.rollback(0);
  EXPECT_EQ(b.num_rows(), 0U);
  EXPECT_EQ(b.buffered_bytes(), 0U);
  ASSERT_TRUE(b.validate().ok());
}

TEST(IntegerRanges, UnsignedAndSignedBoundsPerColumnType) {
  auto s = Schema::make({Field::uint8("u8"), Field::int8("i8"), Field::uint32("u32"), Field::uint64("u64")});
  ASSERT_TRUE(s.ok());
  ColumnBatch b(*s);
  b.begin_row();
  b.set_uint(*(*s)->column("u8"), 255);
  b.set_int(*(*s)->column("i8"), -128);
  b.set_uint(*(*s)->column("u32"), 4294967295U);
  b.set_uint(*(*s)->column("u64"), 18446744073709551615ULL);
  ASSERT_TRUE(b.end_row().ok());
  EXPECT_EQ(b.leaf(2).int32_values()[0], -1);  // the bits of 2^32-1
  EXPECT_EQ(b.leaf(3).int64_values()[0], -1);
  b.begin_row();
  b.set_uint(*(*s)->column("u8"), 256);
  EXPECT_FALSE(b.end_row().ok());
  b.begin_row();
  b.set_int(*(*s)->column("u64"), -1);
  EXPECT_FALSE(b.end_row().ok());
  b.begin_row();
  b.set_int(*(*s)->column("i8"), 128);
  EXPECT_FALSE(b.end_row().ok());
}

TEST(RawColumns, LowLevelLevelsAreValidated) {
  auto s = Schema::make({Field::list("l", Field::int64("element"))});
  ASSERT_TRUE(s.ok());
  ColumnBatch b(*s);
  LeafColumn& raw = b.raw(ColumnRef{0});
  // Rows: [1, 2], null, [], [null]  ->  def 3,3,0,1,2 rep 0,1,0,0,0
  const Levels def{3, 3, 0, 1, 2};
  const Levels rep{0, 1, 0, 0, 0};
  raw.add_levels_bulk(def, rep, def.size());
  const std::vector<std::int64_t> values{1, 2};
  raw.add_int64_values(values);
  b.add_raw_rows(4);
  EXPECT_TRUE(b.validate().ok()) << b.validate().error().message;

  ColumnBatch bad(*s);
  const Levels bad_def{3, 0};
  const Levels bad_rep{0, 1};  // repeats inside a null list
  bad.raw(ColumnRef{0}).add_levels_bulk(bad_def, bad_rep, 2);
  bad.raw(ColumnRef{0}).add_int64_values(std::vector<std::int64_t>{1});
  bad.add_raw_rows(1);
  EXPECT_FALSE(bad.validate().ok());

  ColumnBatch wrong_count(*s);
  wrong_count.raw(ColumnRef{0}).add_levels_bulk(def, rep, def.size());
  wrong_count.add_raw_rows(4);  // values missing
  EXPECT_FALSE(wrong_count.validate().ok());
}

// LeafColumn::buffered_bytes() is kept by each append instead of summed on every call (the row
// writer asks after every row): after any sequence of changes it must equal the recount.
TEST(LeafBytes, KeptEqualToARecountThroughEveryChange) {
  std::mt19937 rng(5);
  for (const PhysicalType type : {PhysicalType::kBoolean, PhysicalType::kInt32, PhysicalType::kInt64,
                                  PhysicalType::kDouble, PhysicalType::kByteArray}) {
    for (const auto& [max_def, max_rep] : std::vector<std::pair<int, int>>{{0, 0}, {1, 0}, {2, 1}}) {
      LeafColumn leaf(type, static_cast<std::uint8_t>(max_def), static_cast<std::uint8_t>(max_rep));
      for (int step = 0; step < 3000; ++step) {
        const auto rep = static_cast<std::uint8_t>(max_rep > 0 ? rng() % 2 : 0);
        switch (rng() % 10) {
          case 0:
            if (max_def > 0) leaf.add_null(0, rep);
            break;
          case 1:
            if (rng() % 50 == 0) leaf.truncate_rows(leaf.num_row_starts() / 2);
            break;
          case 2:
            if (rng() % 200 == 0) leaf.clear();
            break;
          case 3:
            if (type == PhysicalType::kByteArray) {
              const std::uint64_t id = 1 + rng() % 2000;  // ids sharing slots of the table too
              leaf.add_shared_bytes(std::string(id % 40, 'x') + std::to_string(id), id, rep);
            }
            break;
          case 4:
            if (max_def == 0 && max_rep == 0 && type == PhysicalType::kInt64) {
              const std::vector<std::int64_t> values{1, 2, 3};
              leaf.add_int64_values(values);
            } else if (max_def > 0) {
              const std::vector<std::uint8_t> levels{0, 0};
              leaf.add_levels_bulk(levels, levels, 2);
            }
            break;
          default:
            switch (type) {
              case PhysicalType::kBoolean:
                leaf.add_bool(rng() % 2 == 0, rep);
                break;
              case PhysicalType::kInt32:
                leaf.add_int32(1, rep);
                break;
              case PhysicalType::kInt64:
                leaf.add_int64(1, rep);
                break;
              case PhysicalType::kDouble:
                leaf.add_double(1.5, rep);
                break;
              default:
                leaf.add_bytes(std::string(rng() % 30, 'v'), rep);
                break;
            }
        }
        ASSERT_EQ(leaf.buffered_bytes(), leaf.recount_bytes()) << static_cast<int>(type) << " step " << step;
      }
    }
  }
}

TEST(SchemaErrors, InvalidSchemasAreRefused) {
  EXPECT_FALSE(Schema::make({}).ok());
  EXPECT_FALSE(Schema::make({Field::int32("a"), Field::int32("a")}).ok());
  EXPECT_FALSE(Schema::make({Field::int32("a.b")}).ok());
  EXPECT_FALSE(Schema::make({Field::group("g", {})}).ok());
  EXPECT_FALSE(Schema::make({Field::map("m", Field::group("k", {Field::int32("x")}), Field::int32("v"))}).ok());
  auto s = Schema::make({Field::int32("a")});
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE((*s)->column("b").ok());
}

}  // namespace
}  // namespace tdump::parquet
