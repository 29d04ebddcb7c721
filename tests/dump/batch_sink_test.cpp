// BatchSink: an append is all or nothing (a row that fails or throws half-way leaves the batch
// and its sidecar keys as they were), and a batch goes to the writer at its row count or at its
// byte budget, whichever comes first.
#include <gtest/gtest.h>

#include <new>
#include <string>

#include "dump/batch_sink.hpp"

namespace tdump::dump {
namespace {

parquet::SchemaPtr schema() {
  auto s = parquet::Schema::make({parquet::Field::string("path").required(), parquet::Field::int64("size"),
                                  parquet::Field::list("tags", parquet::Field::int64("element"))});
  EXPECT_TRUE(s.ok());
  return *s;
}

struct Refs {
  explicit Refs(const parquet::SchemaPtr& s)
      : path(*s->column("path")),
        size(*s->column("size")),
        tags(s->find("tags")->index),
        tag(*s->column("tags.element")) {}
  parquet::ColumnRef path, size;
  std::uint32_t tags;
  parquet::ColumnRef tag;
};

TEST(BatchSink, AFailedOrThrowingAppendLeavesTheEarlierRowsAndKeysIntact) {
  auto s = schema();
  Refs c(s);
  BoundedQueue<WriteJob> writes(4);
  BatchSink sink(output::FileKind::kData, s, 100, std::size_t{1} << 30, writes);
  auto good = [&](const std::string& key, std::int64_t size) {
    return sink.append(key, [&](schema::RowEncoder&, parquet::ColumnBatch& b) {
      b.begin_row();
      b.set_string(c.path, key);
      b.set_int(c.size, size);
      b.begin_list(parquet::NodeRef{c.tags});
      b.append_int(c.tag, size);
      b.end_list();
      return b.end_row();
    });
  };
  ASSERT_TRUE(good("a.tif", 1));
  ASSERT_TRUE(good("b.tif", 2));
  // An encoder that gives up in the middle of a row, inside a list, without ending it.
  auto failed = sink.append("c.tif", [&](schema::RowEncoder&, parquet::ColumnBatch& b) -> Status {
    b.begin_row();
    b.set_string(c.path, "c.tif");
    b.begin_list(parquet::NodeRef{c.tags});
    b.append_int(c.tag, 3);
    return make_error(ErrorCode::kInternal, "gave up half-way");
  });
  EXPECT_FALSE(failed);
  // One whose value does not fit its column: the batch's own check fails the row.
  auto out_of_range = sink.append("d.tif", [&](schema::RowEncoder&, parquet::ColumnBatch& b) {
    b.begin_row();
    b.set_string(c.path, "d.tif");
    b.set_uint(c.size, std::uint64_t{1} << 63);
    return b.end_row();
  });
  EXPECT_FALSE(out_of_range);
  EXPECT_NE(out_of_range.error().message.find("out of range"), std::string::npos);
  // One that throws (an allocation failure in the middle of a row).
  auto thrown = sink.append("e.tif", [&](schema::RowEncoder&, parquet::ColumnBatch& b) -> Status {
    b.begin_row();
    b.set_string(c.path, "e.tif");
    throw std::bad_alloc();
  });
  EXPECT_FALSE(thrown);
  ASSERT_TRUE(good("f.tif", 6));
  sink.flush();
  auto job = writes.try_pop();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->keys, (std::vector<std::string>{"a.tif", "b.tif", "f.tif"}));
  ASSERT_EQ(job->batch->num_rows(), 3U);
  ASSERT_TRUE(job->batch->validate().ok()) << job->batch->validate().error().message;
  const auto sizes = job->batch->leaf(c.size.leaf).int64_values();
  EXPECT_EQ(std::vector<std::int64_t>(sizes.begin(), sizes.end()), (std::vector<std::int64_t>{1, 2, 6}));
  const auto tags = job->batch->leaf(c.tag.leaf).int64_values();
  EXPECT_EQ(std::vector<std::int64_t>(tags.begin(), tags.end()), (std::vector<std::int64_t>{1, 2, 6}));
}

TEST(BatchSink, ABatchIsHandedOnAtItsByteBudgetBeforeItsRowCount) {
  auto s = schema();
  Refs c(s);
  BoundedQueue<WriteJob> writes(100);
  constexpr std::size_t kBudget = 64 * 1024;
  BatchSink sink(output::FileKind::kData, s, 1'000'000, kBudget, writes);
  const std::string big(10'000, 'k');  // each row holds ~10 KB of path and ~10 KB of sidecar key
  std::size_t appended = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string key = big + std::to_string(i);
    ASSERT_TRUE(sink.append(key, [&](schema::RowEncoder&, parquet::ColumnBatch& b) {
      b.begin_row();
      b.set_string(c.path, key);
      return b.end_row();
    }));
    ++appended;
  }
  sink.flush();
  std::size_t rows = 0;
  std::size_t jobs = 0;
  while (auto job = writes.try_pop()) {
    ++jobs;
    rows += job->batch->num_rows();
    EXPECT_EQ(job->keys.size(), job->batch->num_rows());
    // Over the budget by at most the one row that crossed it.
    EXPECT_LE(job->batch->buffered_bytes(), kBudget + 2 * big.size());
    EXPECT_LE(job->batch->num_rows(), 4U);
  }
  EXPECT_EQ(rows, appended);
  EXPECT_GE(jobs, 5U);  // 20 rows of ~20 KB against 64 KB: at least 5 batches, not 1
}

}  // namespace
}  // namespace tdump::dump
