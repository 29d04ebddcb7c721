// Failed writes: unwritable or missing directory, disk full (a tiny tmpfs), file size limit
// (RLIMIT_FSIZE in a child), abandoned writers. Each must return a clear error and leave
// neither the final file nor the temporary one behind.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "parquet/writer.hpp"
#include "support/temp_dir.hpp"

namespace tdump::parquet {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

// A tmpfs mounted for the test's lifetime (needs root; the test skips otherwise).
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& dir, unsigned long flags, const std::string& options) : dir_(dir) {
    fs::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", flags, options.c_str()) == 0;
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  [[nodiscard]] bool mounted() const { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

// One batch of ~1 MiB of incompressible bytes.
std::unique_ptr<ColumnBatch> big_batch() {
  auto schema = Schema::make({Field::binary("blob"), Field::int64("n").required()});
  auto batch = std::make_unique<ColumnBatch>(*schema);
  const ColumnRef blob = *(*schema)->column("blob");
  const ColumnRef n = *(*schema)->column("n");
  std::mt19937 rng(1);
  std::string bytes(4096, '\0');
  for (int row = 0; row < 256; ++row) {
    for (auto& c : bytes) c = static_cast<char>(rng() & 0xFF);
    batch->begin_row();
    batch->set_bytes(blob, bytes);
    batch->set_int(n, row);
    EXPECT_TRUE(batch->end_row().ok());
  }
  return batch;
}

WriterOptions uncompressed() {
  WriterOptions o;
  o.compression = Compression::kUncompressed;
  return o;
}

TEST(ParquetFileFailures, ReadOnlyDirectory) {
  tdump::testing::TempDir tmp("tdump-parquet");
  const fs::path dir = tmp / "ro";
  TmpfsMount ro(dir, MS_RDONLY, "size=64k");
  if (!ro.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  auto batch = big_batch();
  auto s = write_parquet_file(dir / "out.parquet", *batch, uncompressed());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(s.error().message.find(dir.string()), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("Read-only file system"), std::string::npos) << s.error().message;
  EXPECT_TRUE(entries(dir).empty());
}

TEST(ParquetFileFailures, MissingDirectoryAndFileAsDirectory) {
  tdump::testing::TempDir tmp("tdump-parquet");
  auto batch = big_batch();
  auto missing = write_parquet_file(tmp / "no" / "such" / "out.parquet", *batch, uncompressed());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("No such file or directory"), std::string::npos) << missing.error().message;
  tdump::testing::write_file(tmp / "file", "x");
  auto not_dir = write_parquet_file(tmp / "file" / "out.parquet", *batch, uncompressed());
  ASSERT_FALSE(not_dir.ok());
  EXPECT_NE(not_dir.error().message.find("Not a directory"), std::string::npos) << not_dir.error().message;
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"file"});
}

TEST(ParquetFileFailures, DiskFullOnATinyTmpfs) {
  tdump::testing::TempDir tmp("tdump-parquet");
  const fs::path dir = tmp / "small";
  TmpfsMount small(dir, 0, "size=64k");
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  auto batch = big_batch();
  auto s = write_parquet_file(dir / "out.parquet", *batch, uncompressed());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_NE(s.error().message.find("No space left on device"), std::string::npos) << s.error().message;
  EXPECT_TRUE(entries(dir).empty()) << "partial or temporary file left behind";
  // The same writer settings succeed where there is room, so the failure was the disk.
  EXPECT_TRUE(write_parquet_file(tmp / "out.parquet", *batch, uncompressed()).ok());
}

TEST(ParquetFileFailures, FileSizeLimitInAChild) {
  tdump::testing::TempDir tmp("tdump-parquet");
  auto batch = big_batch();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: a 64 KiB file size limit; writes past it fail with EFBIG once SIGXFSZ is ignored.
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64 << 10, 64 << 10};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(10);
    auto s = write_parquet_file(tmp / "out.parquet", *batch, uncompressed());
    if (s.ok()) ::_exit(11);
    if (s.error().message.find("File too large") == std::string::npos) ::_exit(12);
    if (!entries(tmp.path()).empty()) ::_exit(13);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setrlimit, 11: write succeeded, 12: wrong message, 13: files left";
}

TEST(ParquetFileFailures, AbandonedAndRejectedWritesLeaveNoFile) {
  tdump::testing::TempDir tmp("tdump-parquet");
  auto batch = big_batch();
  {
    auto writer = ParquetWriter::make(batch->schema(), uncompressed());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->open(tmp / "a.parquet").ok());
    ASSERT_TRUE((*writer)->write(*batch).ok());
    EXPECT_EQ(entries(tmp.path()).size(), 1U);  // the temporary file, not yet the final name
    EXPECT_FALSE(fs::exists(tmp / "a.parquet"));
    (*writer)->abort();
    EXPECT_TRUE(entries(tmp.path()).empty());
    ASSERT_TRUE((*writer)->open(tmp / "b.parquet").ok());
    ASSERT_TRUE((*writer)->write(*batch).ok());
  }  // destroyed without close()
  EXPECT_TRUE(entries(tmp.path()).empty());

  // A batch of another schema object is refused and the file removed.
  auto writer = ParquetWriter::make(batch->schema(), uncompressed());
  ASSERT_TRUE(writer.ok());
  auto other = Schema::make({Field::int32("x")});
  ColumnBatch foreign(*other);
  ASSERT_TRUE((*writer)->open(tmp / "c.parquet").ok());
  EXPECT_FALSE((*writer)->write(foreign).ok());
  EXPECT_FALSE((*writer)->is_open());
  EXPECT_TRUE(entries(tmp.path()).empty());

  // So is a batch with a row begun and not ended.
  batch->begin_row();
  ASSERT_TRUE((*writer)->open(tmp / "d.parquet").ok());
  auto open_row = (*writer)->write(*batch);
  ASSERT_FALSE(open_row.ok());
  EXPECT_NE(open_row.error().message.find("not ended"), std::string::npos) << open_row.error().message;
  EXPECT_TRUE(entries(tmp.path()).empty());
}

TEST(ParquetFileFailures, OneWriterWritesFileAfterFileAndReplacesAtomically) {
  tdump::testing::TempDir tmp("tdump-parquet");
  auto batch = big_batch();
  auto writer = ParquetWriter::make(batch->schema(), WriterOptions{});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*writer)->open(tmp / "out.parquet").ok());
    ASSERT_TRUE((*writer)->write(*batch).ok());
    ASSERT_TRUE((*writer)->close().ok());
    EXPECT_EQ((*writer)->last_file_bytes(), static_cast<std::int64_t>(fs::file_size(tmp / "out.parquet")));
  }
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out.parquet"});
  const std::string bytes = tdump::testing::read_file(tmp / "out.parquet");
  ASSERT_GT(bytes.size(), 12U);
  EXPECT_EQ(bytes.substr(0, 4), "PAR1");
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "PAR1");
  EXPECT_FALSE((*writer)->close().ok());  // nothing open
}

TEST(ParquetWriterOptions, InvalidOptionsAreRefused) {
  auto schema = Schema::make({Field::int32("x")});
  WriterOptions o;
  o.column_dictionary["nope"] = false;
  EXPECT_FALSE(ParquetWriter::make(*schema, o).ok());
  o = {};
  o.max_row_group_rows = 0;
  EXPECT_FALSE(ParquetWriter::make(*schema, o).ok());
  o = {};
  o.compression = Compression::kZstd;
  o.zstd_level = 99;
  EXPECT_FALSE(ParquetWriter::make(*schema, o).ok());
}

}  // namespace
}  // namespace tdump::parquet
