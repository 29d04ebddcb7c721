#include <gtest/gtest.h>

#include "output/output_dir.hpp"
#include "temp_dir.hpp"

namespace tdump::output {
namespace {
namespace fs = std::filesystem;
using tdump::testing::TempDir;
using tdump::testing::write_file;

TEST(OutputDir, EscapesKeysRoundTrip) {
  for (std::string key : {"plain/key.tif", "with\nnewline.tif", "100%.tif", "%0A literal", "cr\r.tif", "end%"}) {
    auto escaped = OutputDir::escape_key(key);
    EXPECT_EQ(escaped.find('\n'), std::string::npos);
    EXPECT_EQ(OutputDir::unescape_key(escaped), key);
  }
}

TEST(OutputDir, FreshRunPlansSequentialNames) {
  TempDir tmp;
  auto out = OutputDir::open(tmp.path() / "out", {}, "fp1", false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto a = out->plan(FileKind::kData);
  auto b = out->plan(FileKind::kData);
  auto e = out->plan(FileKind::kErrors);
  EXPECT_EQ(a.final_path.filename(), "part-00000-000001.parquet");
  EXPECT_EQ(b.final_path.filename(), "part-00000-000002.parquet");
  EXPECT_EQ(e.final_path.filename(), "errors-00000-000001.parquet");
  EXPECT_EQ(out->manifest_path().filename(), "_SUCCESS");
}

TEST(OutputDir, ResumeKnowsCommittedKeysAndDropsInterruptedCommits) {
  TempDir tmp;
  auto dir = tmp.path() / "out";
  {
    auto out = OutputDir::open(dir, {}, "fp1", false);
    ASSERT_TRUE(out.ok());
    auto committed = out->plan(FileKind::kData);
    ASSERT_TRUE(out->write_keys(committed, {"a.tif", "b\n.tif"}).ok());
    write_file(committed.final_path, "PAR1");  // the rename happened
    auto interrupted = out->plan(FileKind::kData);
    ASSERT_TRUE(out->write_keys(interrupted, {"c.tif"}).ok());  // killed before the rename
    write_file(dir / ".part-00000-000002.parquet.tmp", "partial");
  }
  auto again = OutputDir::open(dir, {}, "fp1", false);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("--resume"), std::string::npos) << again.error().message;

  auto resumed = OutputDir::open(dir, {}, "fp1", true);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_TRUE(resumed->already_done("a.tif"));
  EXPECT_TRUE(resumed->already_done("b\n.tif"));
  EXPECT_FALSE(resumed->already_done("c.tif"));
  EXPECT_EQ(resumed->resume_state().files, 1U);
  EXPECT_EQ(resumed->resume_state().keys, 2U);
  EXPECT_FALSE(fs::exists(dir / ".part-00000-000002.parquet.tmp"));
  EXPECT_FALSE(fs::exists(dir / "_tiff_dumper/keys/part-00000-000002.parquet.keys"));
  EXPECT_EQ(resumed->plan(FileKind::kData).final_path.filename(), "part-00000-000002.parquet");
  EXPECT_EQ(resumed->committed_files(), std::vector<std::string>{"part-00000-000001.parquet"});
}

TEST(OutputDir, RefusesAnotherRunsOutput) {
  TempDir tmp;
  auto dir = tmp.path() / "out";
  ASSERT_TRUE(OutputDir::open(dir, {}, "fp1", false).ok());
  auto other = OutputDir::open(dir, {}, "fp2", true);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("different run"), std::string::npos) << other.error().message;
}

TEST(OutputDir, RefusesUnrecordedParquetFiles) {
  TempDir tmp;
  write_file(tmp.path() / "part-00000-000001.parquet", "PAR1");
  auto out = OutputDir::open(tmp.path(), {}, "fp1", true);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("no tiff-dumper run recorded"), std::string::npos) << out.error().message;
}

TEST(OutputDir, ShardsShareADirectory) {
  TempDir tmp;
  auto s0 = OutputDir::open(tmp.path(), {0, 2}, "fp", false);
  ASSERT_TRUE(s0.ok());
  auto f0 = s0->plan(FileKind::kData);
  ASSERT_TRUE(s0->write_keys(f0, {"x.tif"}).ok());
  write_file(f0.final_path, "PAR1");
  // Shard 1 starts fresh beside shard 0's output and sees none of its keys.
  auto s1 = OutputDir::open(tmp.path(), {1, 2}, "fp", false);
  ASSERT_TRUE(s1.ok()) << s1.error().message;
  EXPECT_FALSE(s1->already_done("x.tif"));
  EXPECT_EQ(s1->plan(FileKind::kData).final_path.filename(), "part-00001-000001.parquet");
  EXPECT_EQ(s1->manifest_path().filename(), "_SUCCESS-00001-of-00002");
  // A different shard count is a different run.
  EXPECT_FALSE(OutputDir::open(tmp.path(), {0, 3}, "fp", true).ok());
}

TEST(OutputDir, RejectsAFileAsOutDir) {
  TempDir tmp;
  write_file(tmp.path() / "f", "x");
  auto out = OutputDir::open(tmp.path() / "f", {}, "fp", false);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace tdump::output
