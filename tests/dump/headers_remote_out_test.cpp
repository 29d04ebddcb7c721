// OUT_DIR as an object-store URL, end to end: the real binary reads a local folder of fixtures
// and writes into s3://BUCKET/out on moto_server and into an Azurite container. The output is
// downloaded with the test's own plain HTTP requests (never through our store code) and read
// with DuckDB: every TIFF key exactly once, rows equal to a run into a local OUT_DIR. Also:
// SIGKILL at fixed points of the commit protocol (held there by the fault proxy) then --resume,
// four shards sharing one s3:// OUT_DIR, the refusals, and bad output credentials.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <thread>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fault_proxy.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using tdump::testing::duckdb_query;
using tdump::testing::simple_http;
using tdump::testing::TempDir;

// Object names that are neither output, manifest nor bookkeeping, and bookkeeping that does
// not match the output: a sidecar without its Parquet file, a Parquet file without its sidecar.
std::vector<std::string> protocol_violations(const std::vector<std::string>& names) {
  std::set<std::string> all(names.begin(), names.end());
  std::regex output(R"((part|errors)-\d{5}-\d{6}\.parquet)");
  // Manifests, shard descriptors, a lease a killed shard left (dump/shard_lease.hpp), a plan.
  std::regex bookkeeping(
      R"(_SUCCESS(-\d{5}-of-\d{5})?|_tiff_dumper/shard-\d{5}\.json|_tiff_dumper/shard-\d{5}-of-\d{5}\.lease|)"
      R"(_tiff_dumper/plan\.json)");
  std::regex sidecar(R"(_tiff_dumper/keys/((part|errors)-\d{5}-\d{6}\.parquet)\.keys)");
  std::vector<std::string> bad;
  for (const auto& name : names) {
    std::smatch m;
    if (std::regex_match(name, output)) {
      if (all.count("_tiff_dumper/keys/" + name + ".keys") == 0) bad.push_back(name + " (no sidecar)");
    } else if (std::regex_match(name, m, sidecar)) {
      if (all.count(m[1].str()) == 0) bad.push_back(name + " (orphan sidecar)");
    } else if (!std::regex_match(name, bookkeeping)) {
      bad.push_back(name);
    }
  }
  return bad;
}

// Folders a run left in its TMPDIR (the Parquet staging folder must be gone after a run).
std::vector<std::string> staging_left(const fs::path& tmpdir) {
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmpdir)) left.push_back(e.path().filename().string());
  return left;
}

constexpr const char* kConcurrency =
    "concurrency:\n  n_consumers: 8\n  list_chunk_size: 16\n  write_chunk_size: 16\n  max_buffer_size: 64\n";

class RemoteOut : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("e2e-remote-out");
    root_ = dir_->path() / "tree";
    copy_fixture_tree(root_, {"a/2024/", "a/2025/", "b/deep/er/"});
    tdump::testing::write_file(root_ / "a/readme.txt", "not a TIFF");
    moto_ = new tdump::testing::MotoServer();
    moto_->create_bucket("results");
    moto_->make_public("results");  // the test downloads the output with unsigned GETs
    azurite_ = new tdump::testing::AzuriteServer();
    azurite_->create_container("results", false);
    // The reference: the same run into a local OUT_DIR.
    local_out_ = dir_->path() / "local-out";
    auto config = write_config(dir_->path(), root_.string(), {}, kConcurrency);
    auto r = run_cli({"headers", "--quiet", config.string(), local_out_.string()});
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the broken fixtures are error rows
  }
  static void TearDownTestSuite() {
    delete azurite_;
    delete moto_;
    delete dir_;
  }

  static std::string azure_output() {
    return "output:\n  store_options:\n    use_emulator: true\n    endpoint: " + azurite_->account_url() + "\n";
  }
  static fs::path config(const fs::path& dir, const std::string& output_yaml) {
    return write_config(dir, root_.string(), output_yaml, kConcurrency);
  }

  static void expect_rows_equal_the_local_run(const fs::path& out) {
    expect_same_rows_as(out, local_out_, root_, "path, url, stage, kind, message");
  }

  static TempDir* dir_;
  static fs::path root_;
  static fs::path local_out_;
  static tdump::testing::MotoServer* moto_;
  static tdump::testing::AzuriteServer* azurite_;
};
TempDir* RemoteOut::dir_ = nullptr;
fs::path RemoteOut::root_;
fs::path RemoteOut::local_out_;
tdump::testing::MotoServer* RemoteOut::moto_ = nullptr;
tdump::testing::AzuriteServer* RemoteOut::azurite_ = nullptr;

TEST_F(RemoteOut, IntoS3EveryKeyOnceRowsEqualALocalRun) {
  TempDir tmp;
  TempDir staging("staging");
  auto r = run_cli(
      {"headers", "--quiet", config(tmp.path(), moto_output_yaml(moto_->endpoint())).string(), "s3://results/whole"},
      {{"TMPDIR", staging.path().string()}});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto names = download_s3(*moto_, "results", "whole/", tmp.path() / "dl");
  EXPECT_TRUE(protocol_violations(names).empty()) << ::testing::PrintToString(protocol_violations(names));
  expect_rows_equal_the_local_run(tmp.path() / "dl");
  // The manifest lists exactly the output objects.
  auto manifest = nlohmann::json::parse(tdump::testing::read_file(tmp.path() / "dl/_SUCCESS"));
  std::vector<std::string> listed_outputs;
  for (const auto& n : names) {
    if (n.find(".parquet") != std::string::npos && n.find('/') == std::string::npos) listed_outputs.push_back(n);
  }
  std::sort(listed_outputs.begin(), listed_outputs.end());
  EXPECT_EQ(manifest["files"].get<std::vector<std::string>>(), listed_outputs);
  EXPECT_EQ(static_cast<std::int64_t>(manifest["rows"].get<std::uint64_t>()),
            as_int(duckdb_query("SELECT count(*) AS n FROM " + data_files(tmp.path() / "dl"))[0]["n"]));
  EXPECT_TRUE(staging_left(staging.path()).empty()) << ::testing::PrintToString(staging_left(staging.path()));
}

TEST_F(RemoteOut, IntoAzureEveryKeyOnceRowsEqualALocalRun) {
  TempDir tmp;
  TempDir staging("staging");
  auto r = run_cli({"headers", "--quiet", config(tmp.path(), azure_output()).string(), "az://results/run"},
                   {{"TMPDIR", staging.path().string()}});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto names = download_azure(*azurite_, "results", "run/", tmp.path() / "dl");
  EXPECT_TRUE(protocol_violations(names).empty()) << ::testing::PrintToString(protocol_violations(names));
  EXPECT_EQ(std::count(names.begin(), names.end(), "_SUCCESS"), 1);
  expect_rows_equal_the_local_run(tmp.path() / "dl");
  EXPECT_TRUE(staging_left(staging.path()).empty());
}

TEST_F(RemoteOut, SigkillAtEachCommitStepThenResumeGivesEveryKeyOnceAndNoStrayObjects) {
  // The fault proxy holds one request of the commit protocol (it stalls), the run is killed
  // while it waits, and --resume completes the run straight against moto.
  struct KillPoint {
    std::string what;
    std::string held;  // the object whose PUT is held
  };
  const std::vector<KillPoint> points = {
      {"sidecar of the third data file in flight", "_tiff_dumper/keys/part-00000-000003.parquet.keys"},
      {"third data file in flight after its sidecar", "part-00000-000003.parquet"},
      {"manifest in flight after every file", "_SUCCESS"},
  };
  tdump::testing::FaultProxy proxy(moto_->port());
  int index = 0;
  for (const auto& point : points) {
    SCOPED_TRACE(point.what);
    TempDir tmp;
    const std::string prefix = "killed-" + std::to_string(index++) + "/";
    const std::string held_path = "/results/" + prefix + point.held;
    proxy.set_rules(
        nlohmann::json::array({{{"path", held_path}, {"action", "stall"}, {"seconds", 120}, {"times", -1}}}));
    {
      auto child = start_cli({"headers", "--quiet", config(tmp.path(), moto_output_yaml(proxy.base_url())).string(),
                              "s3://results/" + prefix},
                             tmp.path() / "log");
      for (int i = 0; i < 1200 && proxy.hits(held_path) == 0 && child.running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ASSERT_EQ(proxy.hits(held_path), 1) << tdump::testing::read_file(tmp.path() / "log");
      child.signal(SIGKILL);
      child.wait(std::chrono::seconds(10));
    }
    auto before = download_s3(*moto_, "results", prefix, tmp.path() / "before");
    EXPECT_EQ(std::count(before.begin(), before.end(), point.held), 0) << "the held PUT never reached moto";
    // Without --resume the run refuses to mix with what the killed attempt committed.
    auto again = run_cli({"headers", "--quiet", config(tmp.path(), moto_output_yaml(moto_->endpoint())).string(),
                          "s3://results/" + prefix});
    EXPECT_EQ(again.exit_code, 2) << again.err;
    EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;
    auto resumed =
        run_cli({"headers", "--quiet", "--resume", config(tmp.path(), moto_output_yaml(moto_->endpoint())).string(),
                 "s3://results/" + prefix});
    // 0 when every failing key was already in a committed error file.
    if (point.held == "_SUCCESS") {
      ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    } else {
      ASSERT_TRUE(resumed.exit_code == 0 || resumed.exit_code == 1) << resumed.err;
    }
    auto names = download_s3(*moto_, "results", prefix, tmp.path() / "after");
    EXPECT_TRUE(protocol_violations(names).empty()) << ::testing::PrintToString(protocol_violations(names));
    EXPECT_EQ(std::count(names.begin(), names.end(), "_SUCCESS"), 1);
    expect_rows_equal_the_local_run(tmp.path() / "after");
  }
}

TEST_F(RemoteOut, FourShardsShareOneS3OutDir) {
  TempDir tmp;
  auto cfg = config(tmp.path(), moto_output_yaml(moto_->endpoint()));
  std::vector<tdump::testing::ChildProcess> shards;
  for (int i = 0; i < 4; ++i) {
    shards.push_back(
        start_cli({"headers", "--quiet", "--shard", std::to_string(i) + "/4", cfg.string(), "s3://results/sharded"},
                  tmp.path() / ("log" + std::to_string(i))));
  }
  for (int i = 0; i < 4; ++i) {
    auto code = shards[static_cast<std::size_t>(i)].wait(std::chrono::seconds(300));
    ASSERT_TRUE(code.has_value());
    EXPECT_TRUE(*code == 0 || *code == 1) << tdump::testing::read_file(tmp.path() / ("log" + std::to_string(i)));
  }
  auto names = download_s3(*moto_, "results", "sharded/", tmp.path() / "dl");
  EXPECT_TRUE(protocol_violations(names).empty()) << ::testing::PrintToString(protocol_violations(names));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(std::count(names.begin(), names.end(), "_SUCCESS-0000" + std::to_string(i) + "-of-00004"), 1);
  }
  expect_rows_equal_the_local_run(tmp.path() / "dl");
}

TEST_F(RemoteOut, ASecondRunWithoutResumeAndAnotherRunAreRefused) {
  TempDir tmp;
  auto cfg = config(tmp.path(), moto_output_yaml(moto_->endpoint()));
  ASSERT_EQ(run_cli({"headers", "--quiet", cfg.string(), "s3://results/twice"}).exit_code, 1);
  auto before = download_s3(*moto_, "results", "twice/", tmp.path() / "before");
  auto again = run_cli({"headers", "--quiet", cfg.string(), "s3://results/twice"});
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(again.err.find("already holds output of this run"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("s3://results/twice"), std::string::npos) << again.err;
  // Another run (other prefixes) into the same OUT_DIR, even with --resume.
  auto other_cfg = tmp.path() / "other.yaml";
  tdump::testing::write_file(other_cfg, "store:\n  name: " + root_.string() + "\n  prefixes: [a/]\n" + kConcurrency +
                                            moto_output_yaml(moto_->endpoint()));
  auto other = run_cli({"headers", "--quiet", "--resume", other_cfg.string(), "s3://results/twice"});
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_NE(other.err.find("different run"), std::string::npos) << other.err;
  auto after = download_s3(*moto_, "results", "twice/", tmp.path() / "after");
  EXPECT_EQ(after, before) << "a refused run wrote nothing";
  // A Parquet object no run recorded is refused too.
  tdump::testing::simple_http("PUT", moto_->port(), "/results/foreign/part-00000-000001.parquet", "PAR1",
                              "Content-Type: application/octet-stream\r\n");
  auto foreign = run_cli({"headers", "--quiet", "--resume", cfg.string(), "s3://results/foreign"});
  EXPECT_EQ(foreign.exit_code, 2) << foreign.err;
  EXPECT_NE(foreign.err.find("no tiff-dumper run recorded"), std::string::npos) << foreign.err;
}

TEST_F(RemoteOut, BadOutputCredentialsFailUpFront) {
  tdump::testing::MotoServer secure(1);  // signature checks on after the bucket exists
  secure.create_bucket("secure");
  TempDir tmp;
  auto wrong = run_cli(
      {"headers", "--quiet", config(tmp.path(), moto_output_yaml(secure.endpoint())).string(), "s3://secure/out"});
  EXPECT_EQ(wrong.exit_code, 3) << wrong.err;
  EXPECT_NE(wrong.err.find("OUT_DIR s3://secure/out"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("InvalidAccessKeyId"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("wJalrXUtnFEMI"), std::string::npos) << "the secret is never shown";
  // Nothing was written (checked with the checks off).
  auto off = simple_http("POST", secure.port(), "/moto-api/reset-auth", "inf", "Content-Type: text/plain\r\n");
  ASSERT_EQ(off.status, 200);
  auto listing = simple_http("GET", secure.port(), "/secure?list-type=2");
  EXPECT_EQ(listing.body.find("<Key>"), std::string::npos) << listing.body;

  // An anonymous output store is refused (exit 2: the configuration is wrong), nothing written.
  auto anonymous = run_cli({"headers", "--quiet",
                            config(tmp.path(), "output:\n  store_options:\n    endpoint: " + moto_->endpoint() +
                                                   "\n    allow_http: true\n    skip_signature: true\n")
                                .string(),
                            "s3://results/anonymous"});
  EXPECT_EQ(anonymous.exit_code, 2) << anonymous.err;
  EXPECT_NE(anonymous.err.find("writing needs credentials"), std::string::npos) << anonymous.err;
  EXPECT_TRUE(download_s3(*moto_, "results", "anonymous/", tmp.path() / "anon").empty());
}

}  // namespace
}  // namespace tdump::dump::testing
