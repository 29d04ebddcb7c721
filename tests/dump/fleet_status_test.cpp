// A fleet run end to end (README "Running on a fleet"): three `tiff-dumper headers --shards 3`
// processes, each given its index as a scheduler would (Kubernetes JOB_COMPLETION_INDEX, AWS Batch
// AWS_BATCH_JOB_ARRAY_INDEX, Slurm SLURM_ARRAY_TASK_ID + SLURM_ARRAY_TASK_MIN), write into one
// s3:// OUT_DIR on moto_server. One shard is killed (SIGKILL while the fault proxy holds its
// manifest PUT) or never run: `tiff-dumper status` names it, exits 1 and writes no job _SUCCESS.
// The shard is rerun with --resume: `status` says every shard is done, exits 0 and writes the job
// _SUCCESS. The output is downloaded with the test's own plain HTTP GETs and read with DuckDB:
// every TIFF key exactly once, rows equal to a single unsharded run.
#include <fmt/format.h>
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

constexpr const char* kConcurrency =
    "concurrency:\n  n_consumers: 4\n  list_chunk_size: 8\n  write_chunk_size: 8\n  max_buffer_size: 64\n";

// How a scheduler tells shard `i` of 3 which one it is.
struct Scheduler {
  std::string name;
  std::function<std::map<std::string, std::string>(int)> env;
};

class FleetStatus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_dir = new TempDir("e2e-fleet");
    suite_root = suite_dir->path() / "tree";
    copy_fixture_tree(suite_root, {"t/31/U/", "t/32/T/", "t/33/V/"});
    suite_moto = new tdump::testing::MotoServer();
    suite_moto->create_bucket("results");
    suite_moto->make_public("results");
    // The reference: one unsharded run.
    suite_single = suite_dir->path() / "single";
    auto r =
        run_cli({"headers", "--quiet", write_config(suite_dir->path(), suite_root.string(), {}, kConcurrency).string(),
                 suite_single.string()});
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the broken fixtures are error rows
  }
  static void TearDownTestSuite() {
    delete suite_moto;
    delete suite_dir;
  }

  static fs::path config(const fs::path& dir, const std::string& endpoint) {
    return write_config(dir, suite_root.string(), moto_output_yaml(endpoint), kConcurrency);
  }

  static tdump::testing::CommandResult status(const fs::path& cfg, const std::string& out_dir,
                                              std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"status", "--config", cfg.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(out_dir);
    return run_cli(args);
  }

  static bool has_object(const std::string& key) {
    return simple_http("GET", suite_moto->port(), "/results/" + key).status == 200;
  }

  // Every TIFF key exactly once, and the same rows as the single run.
  static void expect_union_equals_single_run(const fs::path& out) {
    expect_same_rows_as(out, suite_single, suite_root, "path, stage, kind");
  }

  // Runs the three shards into `prefix` (shard `broken` is killed or skipped), checks `status`,
  // reruns the shard, checks `status` again and the union of the output.
  static void run_fleet(const Scheduler& scheduler, const std::string& prefix, int broken, bool kill) {
    SCOPED_TRACE(scheduler.name);
    TempDir tmp;
    const std::string out_dir = "s3://results/" + prefix;
    const auto cfg = config(tmp.path(), suite_moto->endpoint());
    std::vector<tdump::testing::ChildProcess> children;
    for (int i = 0; i < 3; ++i) {
      if (i == broken) continue;
      children.push_back(start_cli({"headers", "--quiet", "--shards", "3", cfg.string(), out_dir},
                                   tmp.path() / ("log" + std::to_string(i)), scheduler.env(i)));
    }
    if (kill) {
      // The shard does all its work, then is killed while its manifest PUT is held.
      tdump::testing::FaultProxy proxy(suite_moto->port());
      const std::string held = "/results/" + prefix + fmt::format("_SUCCESS-{:05}-of-00003", broken);
      proxy.set_rules(nlohmann::json::array({{{"path", held}, {"action", "stall"}, {"seconds", 120}, {"times", -1}}}));
      auto victim = start_cli(
          {"headers", "--quiet", "--shards", "3", config(tmp.path() / "p", proxy.base_url()).string(), out_dir},
          tmp.path() / "victim", scheduler.env(broken));
      for (int i = 0; i < 1200 && proxy.hits(held) == 0 && victim.running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ASSERT_EQ(proxy.hits(held), 1) << tdump::testing::read_file(tmp.path() / "victim");
      victim.signal(SIGKILL);
      victim.wait(std::chrono::seconds(10));
    }
    for (auto& child : children) {
      auto code = child.wait(std::chrono::seconds(300));
      ASSERT_TRUE(code.has_value());
      EXPECT_TRUE(*code == 0 || *code == 1);
    }

    // A killed shard's lease (dump/shard_lease.hpp) is fresh at first: running, until its last
    // beat is older than --stale-after; then failed. A shard never run is missing.
    const std::string expected_state = kill ? "failed" : "missing";
    std::vector<std::string> stale;
    if (kill) {
      auto fresh = status(cfg, out_dir);
      EXPECT_EQ(fresh.exit_code, 4) << fresh.out << fresh.err;
      EXPECT_NE(fresh.out.find(fmt::format("shard {:>5}/3  running", broken)), std::string::npos) << fresh.out;
      std::this_thread::sleep_for(std::chrono::milliseconds(2100));
      stale = {"--stale-after", "1"};
    }
    auto incomplete = status(cfg, out_dir, stale);
    EXPECT_EQ(incomplete.exit_code, 1) << incomplete.out << incomplete.err;
    EXPECT_NE(incomplete.out.find(fmt::format("shard {:>5}/3  {}", broken, expected_state)), std::string::npos)
        << incomplete.out;
    for (int i = 0; i < 3; ++i) {
      if (i != broken) {
        EXPECT_NE(incomplete.out.find(fmt::format("shard {:>5}/3  done", i)), std::string::npos) << incomplete.out;
      }
    }
    auto json_flags = stale;
    json_flags.push_back("--json");
    auto as_json = nlohmann::json::parse(status(cfg, out_dir, json_flags).out);
    EXPECT_EQ(as_json["complete"], false);
    EXPECT_EQ(as_json["done"], 2);
    EXPECT_EQ(as_json[expected_state], 1);
    EXPECT_EQ(as_json["shard_reports"][broken]["state"], expected_state);
    EXPECT_FALSE(has_object(prefix + "_SUCCESS")) << "no job _SUCCESS before every shard is done";

    // The rerun (--resume: a killed attempt's files are kept).
    auto rerun =
        run_cli({"headers", "--quiet", "--resume", "--shards", "3", cfg.string(), out_dir}, scheduler.env(broken));
    ASSERT_TRUE(rerun.exit_code == 0 || rerun.exit_code == 1) << rerun.err;
    auto complete = status(cfg, out_dir, {"--json"});
    ASSERT_EQ(complete.exit_code, 0) << complete.out << complete.err;
    auto report = nlohmann::json::parse(complete.out);
    EXPECT_EQ(report["complete"], true);
    EXPECT_EQ(report["done"], 3);
    EXPECT_EQ(report["job_manifest_written"], true);

    auto names = download_s3(*suite_moto, "results", prefix, tmp.path() / "dl");
    ASSERT_EQ(std::count(names.begin(), names.end(), "_SUCCESS"), 1);
    auto job = nlohmann::json::parse(tdump::testing::read_file(tmp.path() / "dl/_SUCCESS"));
    EXPECT_EQ(job["kind"], "job");
    EXPECT_EQ(job["shards"], 3);
    // The job manifest lists exactly the Parquet objects, and its row count is DuckDB's.
    std::vector<std::string> parquet;
    for (const auto& n : names) {
      if (n.find(".parquet") != std::string::npos && n.find('/') == std::string::npos) parquet.push_back(n);
    }
    auto listed = job["files"].get<std::vector<std::string>>();
    std::sort(listed.begin(), listed.end());
    std::sort(parquet.begin(), parquet.end());
    EXPECT_EQ(listed, parquet);
    // Its counts are the shard manifests' sums; "rows" (the shard manifests' data rows) is DuckDB's
    // count of data rows when no shard was resumed (a resumed shard's manifest also counts the
    // error rows of its earlier attempt: see the report of this branch).
    std::int64_t manifest_rows = 0;
    for (int i = 0; i < 3; ++i) {
      auto m = nlohmann::json::parse(
          tdump::testing::read_file(tmp.path() / "dl" / fmt::format("_SUCCESS-{:05}-of-00003", i)));
      manifest_rows += m["rows"].get<std::int64_t>();
      EXPECT_EQ(job["shard_manifests"][i]["rows"], m["rows"]);
      EXPECT_EQ(job["shard_manifests"][i]["files"], m["files"]);
    }
    EXPECT_EQ(job["rows"].get<std::int64_t>(), manifest_rows);
    if (!kill) {
      EXPECT_EQ(job["rows"].get<std::int64_t>(),
                as_int(duckdb_query("SELECT count(*) AS n FROM " + data_files(tmp.path() / "dl"))[0]["n"]));
    }
    expect_union_equals_single_run(tmp.path() / "dl");

    // Asked again: done, and the job manifest is left as it is.
    auto again = status(cfg, out_dir);
    EXPECT_EQ(again.exit_code, 0) << again.out;
    EXPECT_NE(again.out.find("already there"), std::string::npos) << again.out;
  }

  static TempDir* suite_dir;
  static fs::path suite_root;
  static fs::path suite_single;
  static tdump::testing::MotoServer* suite_moto;
};
TempDir* FleetStatus::suite_dir = nullptr;
fs::path FleetStatus::suite_root;
fs::path FleetStatus::suite_single;
tdump::testing::MotoServer* FleetStatus::suite_moto = nullptr;

TEST_F(FleetStatus, KubernetesIndexedJobWithAShardKilledThenRerun) {
  run_fleet({"kubernetes",
             [](int i) {
               return std::map<std::string, std::string>{{"JOB_COMPLETION_INDEX", std::to_string(i)}};
             }},
            "k8s/", 1, true);
}

TEST_F(FleetStatus, AwsBatchArrayWithAShardNeverRunThenRun) {
  run_fleet({"aws batch",
             [](int i) {
               return std::map<std::string, std::string>{{"AWS_BATCH_JOB_ARRAY_INDEX", std::to_string(i)}};
             }},
            "batch/", 2, false);
}

TEST_F(FleetStatus, SlurmArrayCountedFromItsMinimumWithAShardNeverRunThenRun) {
  // --array=1-3: task ids 1..3 are shards 0..2.
  run_fleet({"slurm",
             [](int i) {
               return std::map<std::string, std::string>{{"SLURM_ARRAY_TASK_ID", std::to_string(i + 1)},
                                                         {"SLURM_ARRAY_TASK_MIN", "1"}};
             }},
            "slurm/", 0, false);
}

TEST_F(FleetStatus, AnEmptyOutDirAndAnUnreachableOneAreNotDone) {
  TempDir tmp;
  const auto cfg = config(tmp.path(), suite_moto->endpoint());
  auto none = status(cfg, "s3://results/nothing-here/");
  EXPECT_EQ(none.exit_code, 1) << none.out << none.err;
  EXPECT_NE(none.out.find("no tiff-dumper run"), std::string::npos) << none.out;
  auto expected = status(cfg, "s3://results/nothing-here/", {"--shards", "2", "--json"});
  EXPECT_EQ(expected.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(expected.out)["missing"], 2);
  auto missing_bucket = status(cfg, "s3://no-such-bucket/out/");
  EXPECT_EQ(missing_bucket.exit_code, 3) << missing_bucket.out << missing_bucket.err;
  // No credential reaches the messages.
  EXPECT_EQ(missing_bucket.err.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(missing_bucket.out.find("wJalrXUtnFEMI"), std::string::npos);
}

}  // namespace
}  // namespace tdump::dump::testing
