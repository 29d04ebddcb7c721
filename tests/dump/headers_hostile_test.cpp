// `tiff-dumper headers` against hostile servers and inputs (issue 8, the pipeline's half): a
// listing that lies about sizes, dates and ETags; keys that name FIFOs and sockets; tag values of
// megabytes; keys that are not UTF-8; tens of thousands of prefixes; a server too slow to wait
// for when the user presses Ctrl-C. Each test runs the real binary; DuckDB reads the output.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fault_proxy.hpp"
#include "fixtures.hpp"
#include "lying_s3.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"
#include "tiff_builder.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using tdump::testing::duckdb_query;
using tdump::testing::TempDir;

fs::path write_text(const fs::path& path, const std::string& text) {
  tdump::testing::write_file(path, text);
  return path;
}

// A config of our own: store options and sections the e2e helper does not write.
fs::path config_for(const fs::path& dir, const std::string& store_section, const std::string& rest = {}) {
  return write_text(dir / "config.yaml", "store:\n" + store_section +
                                             "concurrency:\n  n_consumers: 8\n  list_chunk_size: 50\n"
                                             "  write_chunk_size: 100\n  max_buffer_size: 1000\n" +
                                             rest);
}

std::set<std::string> paths_of(const json& rows) {
  std::set<std::string> out;
  for (const auto& row : rows) out.insert(row["path"].get<std::string>());
  return out;
}

// --- Listing metadata is untrusted -------------------------------------------------------

TEST(HostileListing, ValuesThatDoNotFitAreOneErrorRowOrANullNeverAFailedRun) {
  TempDir tmp;
  const auto valid = tdump::tiff::testing::valid_fixtures();
  ASSERT_GE(valid.size(), 2U);
  const std::string long_etag(2048, 'e');
  json objects = json::array({
      {{"key", "good/a.tif"}, {"file", valid[0].string()}},
      {{"key", "good/b.tif"}, {"file", valid[1].string()}},
      // 2^63: one more than BIGINT holds, and more than any object can have.
      {{"key", "bad/huge.tif"}, {"file", valid[0].string()}, {"size", "9223372036854775808"}},
      // Year 0 is before year 1, the first a timestamp of the output may hold.
      {{"key", "odd/ancient.tif"}, {"file", valid[0].string()}, {"last_modified", "0000-01-01T00:00:00.000Z"}},
      {{"key", "odd/etag.tif"}, {"file", valid[1].string()}, {"etag", "\"" + long_etag + "\""}},
  });
  tdump::testing::LyingS3Server s3({{"bucket", "lying"}, {"page_size", 2}, {"objects", objects}});
  auto config = config_for(tmp.path(), "  name: s3://lying\n  obstore_config:\n" + s3.yaml_options());
  const auto out = tmp.path() / "out";

  auto run = run_cli({"headers", "--quiet", config.string(), out.string()});
  // Before: exit 2, "value out of range for column 'size'", no file written, the good keys lost.
  ASSERT_EQ(run.exit_code, 1) << run.err;
  EXPECT_TRUE(fs::exists(out / "_SUCCESS"));
  auto data = duckdb_query("SELECT path, size, last_modified IS NULL AS no_date, etag FROM " + data_files(out) +
                           " ORDER BY path");
  EXPECT_EQ(paths_of(data), (std::set<std::string>{"good/a.tif", "good/b.tif", "odd/ancient.tif", "odd/etag.tif"}));
  for (const auto& row : data) {
    const auto path = row["path"].get<std::string>();
    EXPECT_EQ(row["no_date"].get<bool>(), path == "odd/ancient.tif") << path;
    EXPECT_EQ(row["etag"].is_null(), path == "odd/etag.tif") << path;
    EXPECT_FALSE(row["size"].is_null()) << path;
  }
  auto errors =
      duckdb_query("SELECT path, stage, kind, message, size, etag FROM " + error_files(out) + " ORDER BY path");
  ASSERT_EQ(errors.size(), 1U) << errors.dump();
  EXPECT_EQ(errors[0]["path"], "bad/huge.tif");
  EXPECT_EQ(errors[0]["stage"], "list");
  EXPECT_EQ(errors[0]["kind"], "invalid listing entry");
  EXPECT_TRUE(errors[0]["size"].is_null());
  EXPECT_NE(errors[0]["message"].get<std::string>().find("9223372036854775808"), std::string::npos);
  // The rows with a value left NULL are counted in the manifest: the two data rows, and the error
  // row whose size is NULL.
  auto manifest = json::parse(tdump::testing::read_file(out / "_SUCCESS"));
  EXPECT_EQ(manifest["rows_with_warnings"], 3);
  EXPECT_EQ(manifest["errors_by_stage"]["list"], 1);

  // --resume has nothing left to do and completes; every key has exactly one row.
  auto resumed = run_cli({"headers", "--quiet", "--resume", config.string(), out.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto rows = duckdb_query("SELECT path, count(*) AS n FROM (SELECT path FROM " + data_files(out) +
                           " UNION ALL SELECT path FROM " + error_files(out) + ") GROUP BY path");
  EXPECT_EQ(rows.size(), 5U);
  for (const auto& row : rows) EXPECT_EQ(as_int(row["n"]), 1) << row.dump();
}

// --- Local files that are not regular files -------------------------------------------------

void make_socket(const fs::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.string().size(), sizeof address.sun_path);
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ::close(fd);  // the socket file stays
}

class SpecialFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.path() / "tree";
    fs::create_directories(root_);
    fs::copy_file(tdump::tiff::testing::valid_fixtures().front(), root_ / "a.tif");
    ASSERT_EQ(::mkfifo((root_ / "pipe.tif").c_str(), 0600), 0);
    make_socket(root_ / "sock.tif");
    config_ = write_config(tmp_.path(), root_.string());
  }

  // Runs in the background and waits: a hang is a failure, not a stuck test.
  tdump::testing::CommandResult run_bounded(const std::vector<std::string>& args) {
    const auto log = tmp_.path() / "log";
    auto child = start_cli(args, log);
    auto code = child.wait(std::chrono::seconds(60));
    tdump::testing::CommandResult result;
    result.err = tdump::testing::read_file(log);
    if (!code) {
      ADD_FAILURE() << "no exit within 60 s: it hangs on a special file";
      child.signal(SIGKILL);
      return result;
    }
    result.exit_code = *code;
    return result;
  }

  void expect_refused(const fs::path& out) {
    auto errors = duckdb_query("SELECT path, stage, kind, message FROM " + error_files(out) + " ORDER BY path");
    ASSERT_EQ(paths_of(errors), (std::set<std::string>{"pipe.tif", "sock.tif"})) << errors.dump();
    for (const auto& row : errors) {
      EXPECT_EQ(row["stage"], "fetch");
      EXPECT_NE(row["message"].get<std::string>().find("not a regular file"), std::string::npos) << row.dump();
    }
    EXPECT_NE(errors[0]["message"].get<std::string>().find("FIFO"), std::string::npos) << errors[0].dump();
    EXPECT_NE(errors[1]["message"].get<std::string>().find("socket"), std::string::npos) << errors[1].dump();
    auto data = duckdb_query("SELECT path FROM " + data_files(out));
    EXPECT_EQ(paths_of(data), (std::set<std::string>{"a.tif"}));
  }

  TempDir tmp_;
  fs::path root_;
  fs::path config_;
};

TEST_F(SpecialFiles, KeysNamingAFifoOrASocketAreErrorRowsNotAHang) {
  auto keys = write_text(tmp_.path() / "keys.txt", "a.tif\npipe.tif\nsock.tif\n");
  const auto out = tmp_.path() / "out";
  auto run = run_bounded({"headers", "--quiet", "--keys", keys.string(), config_.string(), out.string()});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  expect_refused(out);
}

TEST_F(SpecialFiles, AFifoOrASocketInAListedFolderIsAnErrorRow) {
  const auto out = tmp_.path() / "out";
  auto run = run_bounded({"headers", "--quiet", config_.string(), out.string()});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  expect_refused(out);
}

TEST_F(SpecialFiles, InspectRefusesAFifoAtOnce) {
  for (const std::string& target : {(root_ / "pipe.tif").string(), "file://" + (root_ / "pipe.tif").string()}) {
    auto run = run_bounded({"inspect", target});
    EXPECT_EQ(run.exit_code, 1) << target << ": " << run.err;
    const auto log = tdump::testing::read_file(tmp_.path() / "log");
    EXPECT_NE(log.find("FIFO"), std::string::npos) << log;
  }
}

TEST_F(SpecialFiles, SigtermStopsARunWaitingOnAFifoOfKeys) {
  // The key file is a FIFO whose writer says nothing: the lister waits for its next line.
  const auto fifo = tmp_.path() / "keys.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int writer = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  const std::string first = "a.tif\n";
  ASSERT_EQ(::write(writer, first.data(), first.size()), static_cast<ssize_t>(first.size()));
  const auto out = tmp_.path() / "out";
  const auto log = tmp_.path() / "log";
  auto child = start_cli({"headers", "--keys", fifo.string(), config_.string(), out.string()}, log);
  // Once the run has claimed OUT_DIR it is past start-up; the lister then reads the first key
  // and waits on the FIFO for the next one.
  for (int i = 0; i < 600 && !fs::exists(out / "_tiff_dumper"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(child.running()) << tdump::testing::read_file(log);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  child.signal(SIGTERM);
  auto code = child.wait(std::chrono::seconds(60));
  ::close(writer);
  ASSERT_TRUE(code.has_value()) << "no exit after SIGTERM while waiting on a FIFO of keys";
  EXPECT_EQ(*code, 128 + SIGTERM) << tdump::testing::read_file(log);
}

// --- Tag values of megabytes -------------------------------------------------------------------

// A 1x1 TIFF whose ImageDescription (270) and a private UNDEFINED tag (65000) are `big` bytes
// each, with a small Software (305) tag beside them.
std::string tiff_with_big_tags(std::size_t big) {
  using namespace tdump::tiff::testing;  // NOLINT(google-build-using-namespace)
  TiffBuilder b(tdump::tiff::ByteOrder::kLittle, false);
  const std::uint64_t pixel = b.append("x");
  BuildEntry blob;
  blob.tag = 65000;
  blob.type = 7;  // UNDEFINED
  blob.bytes = std::string(big, 'u');
  blob.count = big;
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, {ascii(270, std::string(big - 1, 'd')), ascii(305, "small"), blob})));
  return {b.bytes().begin(), b.bytes().end()};
}

TEST(HugeTags, ValuesOverTheCapAreLeftOutWithANoteAndSmallOnesKept) {
  TempDir tmp;
  const auto root = tmp.path() / "tree";
  fs::create_directories(root);
  const std::size_t big = (std::size_t{2} << 20);  // 2 MiB: twice the cap
  write_text(root / "big.tif", tiff_with_big_tags(big));
  // libtiff is the oracle of what the file holds.
  auto listed = tdump::testing::run_command({"tiffdump", (root / "big.tif").string()});
  ASSERT_NE(listed.out.find("ImageDescription (270) ASCII (2) " + std::to_string(big)), std::string::npos)
      << listed.out;
  ASSERT_NE(listed.out.find("65000 (0xfde8) UNDEFINED (7) " + std::to_string(big)), std::string::npos) << listed.out;
  auto config = write_config(tmp.path(), root.string());
  const auto out = tmp.path() / "out";
  auto run = run_cli({"headers", config.string(), out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto rows = duckdb_query(
      "SELECT image_description IS NULL AS no_description, software, other_tags[270] AS t270, "
      "other_tags[65000] AS t65000, strlen(image_description) AS n FROM " +
      data_files(out));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_TRUE(rows[0]["no_description"].get<bool>());
  EXPECT_EQ(rows[0]["software"], "small");
  EXPECT_EQ(rows[0]["t270"], R"({"omitted_bytes":)" + std::to_string(big) + "}");
  EXPECT_EQ(rows[0]["t65000"], R"({"omitted_bytes":)" + std::to_string(big) + "}");
  EXPECT_NE(run.err.find("over the 1048576-byte cap"), std::string::npos) << run.err;
  auto manifest = json::parse(tdump::testing::read_file(out / "_SUCCESS"));
  EXPECT_EQ(manifest["rows_with_warnings"], 1);
}

TEST(HugeTags, ABatchGoesToTheWriterAtItsByteBudget) {
  TempDir tmp;
  const auto root = tmp.path() / "tree";
  fs::create_directories(root);
  // Eight files with a description of 700 KB each (under the value cap): ~5.6 MB of rows
  // against a batch budget of 1 MiB, and a row count (100) that alone would make one file.
  const std::size_t text = 700'000;
  for (int i = 0; i < 8; ++i) {
    using namespace tdump::tiff::testing;  // NOLINT(google-build-using-namespace)
    TiffBuilder b(tdump::tiff::ByteOrder::kLittle, false);
    const std::uint64_t pixel = b.append("x");
    b.set_first_ifd(b.add_ifd(image_ifd(pixel, {ascii(270, std::string(text, static_cast<char>('a' + i)))})));
    write_text(root / ("f" + std::to_string(i) + ".tif"), std::string(b.bytes().begin(), b.bytes().end()));
  }
  auto config = write_config(tmp.path(), root.string(), "output:\n  max_batch_bytes: 1MiB\n");
  const auto out = tmp.path() / "out";
  auto run = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto files = duckdb_query(
      "SELECT filename, count(*) AS n, max(strlen(image_description)) AS len FROM "
      "read_parquet(" +
      sql_quote((out / "part-*.parquet").string()) + ", filename=true) GROUP BY filename");
  std::int64_t rows = 0;
  for (const auto& f : files) {
    rows += as_int(f["n"]);
    EXPECT_LE(as_int(f["n"]), 2) << f.dump();  // 1 MiB holds one row of 700 KB and the one that crosses it
    EXPECT_EQ(as_int(f["len"]), static_cast<std::int64_t>(text));
  }
  EXPECT_EQ(rows, 8);
  EXPECT_GE(files.size(), 4U);
}

// --- Keys that are not UTF-8 -----------------------------------------------------------------

TEST(KeysNotUtf8, TwoKeysGiveTwoPaths) {
  TempDir tmp;
  const auto root = tmp.path() / "tree";
  fs::create_directories(root);
  const auto fixture = tdump::tiff::testing::valid_fixtures().front();
  fs::copy_file(fixture, root / std::string("c\xFF.tif"));      // a Latin-1 ÿ: not UTF-8
  fs::copy_file(fixture, root / std::string("c\xC3\xBF.tif"));  // ÿ in UTF-8
  auto config = write_config(tmp.path(), root.string());
  const auto out = tmp.path() / "out";
  auto run = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto rows = duckdb_query("SELECT path, url FROM " + data_files(out) + " ORDER BY path");
  ASSERT_EQ(rows.size(), 2U);
  // Before: both were "cÿ.tif" (the stray byte read as Latin-1).
  EXPECT_EQ(paths_of(rows), (std::set<std::string>{"c%FF.tif", "c\xC3\xBF.tif"}));
}

// --- Many prefixes ------------------------------------------------------------------------------

TEST(ManyPrefixes, FortyThousandPrefixesAreListedByABoundedPool) {
  TempDir tmp;
  const auto root = tmp.path() / "tree";
  const auto fixture = tdump::tiff::testing::valid_fixtures().front();
  // 40,000 prefixes, 20 of which hold a file: one thread per prefix aborted the process.
  std::string prefixes = "  prefixes:\n";
  std::set<std::string> expected;
  for (int i = 0; i < 40'000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "p/%05d/", i);
    prefixes += std::string("    - ") + name + "\n";
    if (i % 2000 == 7) {
      fs::create_directories(root / name);
      fs::copy_file(fixture, root / name / "x.tif");
      expected.insert(std::string(name) + "x.tif");
    }
  }
  auto config = config_for(tmp.path(), "  name: " + root.string() + "\n" + prefixes, "  list_parallelism: 4\n");
  const auto out = tmp.path() / "out";
  auto run = run_cli({"headers", "--quiet", config.string(), out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(paths_of(duckdb_query("SELECT path FROM " + data_files(out))), expected);
}

// --- Stopping ------------------------------------------------------------------------------------

// nginx serving real TIFFs behind the fault proxy, which answers 1 byte a second or 503 forever.
class SlowServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    nginx_ = new tdump::testing::NginxServer();
    const auto valid = tdump::tiff::testing::valid_fixtures();
    for (std::size_t i = 0; i < 4; ++i) {
      const auto key = "data/k" + std::to_string(i) + ".tif";
      fs::create_directories((nginx_->root() / key).parent_path());
      fs::copy_file(valid[i % valid.size()], nginx_->root() / key);
      keys_.push_back(key.substr(5));
    }
    proxy_ = new tdump::testing::FaultProxy(nginx_->port());
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete nginx_;
  }

  // Starts a run (keys from a file: no listing), waits until the proxy has seen every read, sends
  // SIGTERM, and returns the exit code (nullopt when the run did not end within `bound`).
  std::optional<int> stop_after_reads_begin(const fs::path& config, const fs::path& out, std::chrono::seconds bound) {
    std::string lines;
    for (const auto& k : keys_) lines += k + "\n";
    auto keys = write_text(tmp_.path() / "keys.txt", lines);
    auto child = start_cli({"headers", "--keys", keys.string(), config.string(), out.string()}, tmp_.path() / "log");
    auto seen = [&] {
      int n = 0;
      for (const auto& k : keys_) n += proxy_->hits("/data/" + k) > 0 ? 1 : 0;
      return n;
    };
    for (int i = 0; i < 600 && seen() < static_cast<int>(keys_.size()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(seen(), static_cast<int>(keys_.size()));
    child.signal(SIGTERM);
    auto code = child.wait(bound);
    if (!code) child.signal(SIGKILL);
    return code;
  }

  std::string config_text() const {
    // The store's own retry budget is three minutes, each attempt may take 30 s.
    return "store:\n  name: " + proxy_->base_url() +
           "/data\nconcurrency:\n  n_consumers: 4\n  list_chunk_size: 10\n  write_chunk_size: 10\n"
           "  max_buffer_size: 10\nretry:\n  max_retries: 10\n  retry_timeout: 3m\n";
  }

  TempDir tmp_;
  static inline tdump::testing::NginxServer* nginx_ = nullptr;
  static inline tdump::testing::FaultProxy* proxy_ = nullptr;
  static inline std::vector<std::string> keys_;
};

TEST_F(SlowServer, AFirstSigtermEndsTheRunWithinTheGracePeriodNotTheRetryBudget) {
  proxy_->set_rules(json::array(
      {{{"path", "/data/"}, {"prefix", true}, {"action", "drip"}, {"bytes_per_second", 1}, {"times", -1}}}));
  auto config = write_text(tmp_.path() / "config.yaml", config_text());
  const auto out = tmp_.path() / "out";
  // Grace 5 s; the attempt timeout alone is 30 s and the retry budget 3 minutes.
  auto code = stop_after_reads_begin(config, out, std::chrono::seconds(25));
  const auto log = tdump::testing::read_file(tmp_.path() / "log");
  ASSERT_TRUE(code.has_value()) << "still running 25 s after SIGTERM: " << log;
  EXPECT_EQ(*code, 128 + SIGTERM) << log;
  EXPECT_NE(log.find("cancelled"), std::string::npos) << log;
  // The cancelled reads left no row: --resume reads them, once the server behaves.
  proxy_->clear();
  auto resumed = run_cli({"headers", "--quiet", "--resume", config.string(), out.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  auto written = keys_written(out);
  EXPECT_EQ(written.size(), keys_.size());
  for (const auto& [key, n] : written) EXPECT_EQ(n, 1) << key;
}

TEST_F(SlowServer, AFirstSigtermCancelsPendingRetriesAtOnce) {
  proxy_->set_rules(json::array({{{"path", "/data/"},
                                  {"prefix", true},
                                  {"action", "status"},
                                  {"status", 503},
                                  {"retry_after", "60"},
                                  {"times", -1}}}));
  // A minute between attempts (Retry-After): a run that waited for its retries would take minutes.
  auto config = write_text(tmp_.path() / "config.yaml", config_text() + "  init_backoff: 60s\n  max_backoff: 60s\n");
  const auto out = tmp_.path() / "out";
  auto code = stop_after_reads_begin(config, out, std::chrono::seconds(20));
  const auto log = tdump::testing::read_file(tmp_.path() / "log");
  ASSERT_TRUE(code.has_value()) << "still running 20 s after SIGTERM: " << log;
  EXPECT_EQ(*code, 128 + SIGTERM) << log;
  // No key got an error row for a retry that was never made.
  EXPECT_TRUE(keys_written(out).empty());
}

}  // namespace
}  // namespace tdump::dump::testing
