// Shards that list only their part (src/dump/shard_plan.hpp), end to end against moto_server: a
// bucket with a flat folder of hex names, a small tree and awkward keys. The reference is a
// single run; the shards share one OUT_DIR and must write every key exactly once, also when the
// bucket changes between one shard's start and the next, when one shard is rerun with --resume,
// and when all start at once (one plan wins the conditional create). Their LIST requests are
// bounded by one run's pages plus one page per key range plus the plan's sampling.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <regex>

#include "duckdb.hpp"
#include "e2e_support.hpp"
#include "fixtures.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace {
namespace fs = std::filesystem;
using tdump::testing::TempDir;

constexpr int kShards = 4;
constexpr std::size_t kPage = 20;

// bench/list/list_server.py (S3 ListObjectsV2, at most 1,000 keys a page) with `keys` keys of
// each layout, answering at once; `port` 0 when it did not start (the test has failed then).
struct ListServer {
  std::uint16_t port = 0;
  tdump::testing::ChildProcess process;
};

ListServer start_list_server(const TempDir& tmp, int keys, const std::vector<std::string>& layouts) {
  const auto script = (tdump::testing::source_dir() / "bench/list/list_server.py").string();
  std::vector<std::string> argv = {"python3", script, "--port", "", "--latency", "0", "--keys", std::to_string(keys)};
  for (const auto& layout : layouts) {
    argv.emplace_back("--layout");
    argv.push_back(layout);
  }
  ListServer server;
  const std::uint16_t port = tdump::testing::free_port();
  argv[3] = std::to_string(port);
  server.process = tdump::testing::ChildProcess(argv, {}, tmp.path(), tmp.path() / "server.log");
  if (!tdump::testing::wait_for_port(port, std::chrono::seconds(60))) {
    ADD_FAILURE() << tdump::testing::read_file(tmp.path() / "server.log");
    return server;
  }
  server.port = port;
  return server;
}

std::string hex_name(std::mt19937& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 10; ++i) out.push_back(kHex[rng() % 16]);
  return out;
}

// "(N LIST requests)" of a dry run's summary line.
std::uint64_t dry_run_list_requests(const std::string& err) {
  std::smatch m;
  std::regex line(R"(dry run: (\d+) TIFF keys listed.*\((\d+) LIST requests\))");
  EXPECT_TRUE(std::regex_search(err, m, line)) << err;
  return m.empty() ? 0 : std::stoull(m[2].str());
}

std::uint64_t dry_run_keys(const std::string& err) {
  std::smatch m;
  std::regex line(R"(dry run: (\d+) TIFF keys listed)");
  EXPECT_TRUE(std::regex_search(err, m, line)) << err;
  return m.empty() ? 0 : std::stoull(m[1].str());
}

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(tdump::testing::read_file(path));
}

std::string shard_arg(int i, int n = kShards) {
  return std::to_string(i) + "/" + std::to_string(n);
}

fs::path manifest_of(const fs::path& out, int i, int n = kShards) {
  char name[64];
  std::snprintf(name, sizeof name, "_SUCCESS-%05d-of-%05d", i, n);
  return out / name;
}

class ShardPlan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new tdump::testing::MotoServer();
    moto_->create_bucket("src");
    moto_->create_bucket("results");
    moto_->make_public("results");
    tiff_ = tdump::testing::read_file(tdump::tiff::testing::valid_fixtures().front());
    std::mt19937 rng(7);
    for (int i = 0; i < 400; ++i) add("flat/" + hex_name(rng) + ".tif");
    for (int zone = 1; zone <= 12; ++zone) {
      for (const char* band : {"B01", "B02", "B03", "B04"}) {
        for (int scene = 0; scene < 2; ++scene) {
          add(fmt_key("tree/%02d/%s/s%d.tif", zone, band, scene));
        }
      }
    }
    // Keys that are prefixes of others, non-ASCII, percent signs, spaces, a sibling folder.
    for (const char* key : {"flat/ab.tif", "flat/ab.tif.tif", "flat/ab/c.tif", "flat/\xc3\xa9t\xc3\xa9.tif",
                            "flat/%41.tif", "flat/a b.tif", "flat/~.tif", "flat/0.tif", "flatter/x.tif"}) {
      add(key);
    }
  }
  static void TearDownTestSuite() { delete moto_; }

  static std::string fmt_key(const char* format, int a, const char* b, int c) {
    char buf[128];
    std::snprintf(buf, sizeof buf, format, a, b, c);
    return buf;
  }
  static void add(const std::string& key) {
    moto_->put_object("src", key, tiff_);
    keys_.insert(key);
  }
  static void remove(const std::string& key) {
    // Signature checks are off, but moto refuses an anonymous DELETE: any SigV4 header will do.
    auto r = tdump::testing::simple_http("DELETE", moto_->port(), "/src/" + tdump::testing::url_encode_path(key), {},
                                         "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261202/"
                                         "us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\r\n");
    ASSERT_EQ(r.status / 100, 2) << r.body;
    keys_.erase(key);
  }

  // The source store on moto; prefixes flat/ and tree/ (not flatter/).
  static fs::path config(const fs::path& dir, const std::string& extra = {}) {
    auto path = dir / "config.yaml";
    tdump::testing::write_file(path,
                               "store:\n  name: s3://src\n  prefixes: [flat/, tree/]\n  obstore_config:\n"
                               "    endpoint: " +
                                   moto_->endpoint() +
                                   "\n    allow_http: true\n    region: us-east-1\n"
                                   "    access_key_id: AKIAIOSFODNN7EXAMPLE\n"
                                   "    secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                                   "concurrency:\n  n_consumers: 16\n  list_chunk_size: " +
                                   std::to_string(kPage) +
                                   "\n  list_parallelism: 1\n  write_chunk_size: 64\n  max_buffer_size: 240\n" + extra);
    return path;
  }

  static std::set<std::string> listed_keys() {
    std::set<std::string> out;
    for (const auto& k : keys_) {
      if (k.rfind("flat/", 0) == 0 || k.rfind("tree/", 0) == 0) out.insert(k);
    }
    return out;
  }

  static tdump::testing::MotoServer* moto_;
  static std::string tiff_;
  static std::set<std::string> keys_;
};
tdump::testing::MotoServer* ShardPlan::moto_ = nullptr;
std::string ShardPlan::tiff_;
std::set<std::string> ShardPlan::keys_;

TEST_F(ShardPlan, ShardsPartitionTheKeysWhileTheBucketChanges) {
  TempDir tmp;
  auto cfg = config(tmp.path());
  // The reference: one run's keys and LIST requests (sequential pages).
  auto single = run_cli({"headers", "--dry-run", cfg.string(), (tmp.path() / "single").string()});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const auto before = listed_keys();
  EXPECT_EQ(dry_run_keys(single.err), before.size());
  const std::uint64_t single_requests = dry_run_list_requests(single.err);
  // Pages of kPage keys, one listing per prefix: the count an independent reckoning gives.
  std::size_t flat = 0;
  for (const auto& k : before) flat += k.rfind("flat/", 0) == 0 ? 1 : 0;
  EXPECT_EQ(single_requests, (flat + kPage - 1) / kPage + (before.size() - flat + kPage - 1) / kPage);

  const fs::path out = tmp.path() / "out";
  std::vector<std::string> logs(kShards);
  auto run_shard = [&](int i, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"headers", "--shard", shard_arg(i)};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(cfg.string());
    args.push_back(out.string());
    auto r = run_cli(args);
    logs[static_cast<std::size_t>(i)] += r.err;
    return r;
  };
  // A dry run of a shard before any plan exists writes nothing.
  auto dry = run_cli({"headers", "--dry-run", "--shard", shard_arg(0), cfg.string(), out.string()});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_LT(dry_run_keys(dry.err), before.size());
  EXPECT_FALSE(fs::exists(out / "_tiff_dumper/plan.json"));

  ASSERT_EQ(run_shard(0).exit_code, 0) << logs[0];
  ASSERT_TRUE(fs::exists(out / "_tiff_dumper/plan.json"));
  EXPECT_NE(logs[0].find("made the shard plan"), std::string::npos) << logs[0];
  ASSERT_EQ(run_shard(1).exit_code, 0) << logs[1];
  EXPECT_EQ(logs[1].find("made the shard plan"), std::string::npos) << logs[1];

  // The bucket changes before shards 2 and 3 start: keys removed, keys added everywhere in the
  // key space (before the first key, after the last, between, a new folder of the tree).
  std::set<std::string> removed;
  std::size_t n = 0;
  for (const auto& k : before) {
    if (n++ % 23 == 0) removed.insert(k);
  }
  for (const auto& k : removed) remove(k);
  std::set<std::string> added;
  std::mt19937 rng(99);
  for (int i = 0; i < 40; ++i) added.insert("flat/" + hex_name(rng) + ".tif");
  for (const char* key : {"flat/!.tif", "flat/\xef\xbf\xbd.tif", "flat/zzzz.tif", "tree/00/B01/s0.tif",
                          "tree/99/B09/s9.tif", "tree/05/B02/s0.tif.tif"}) {
    added.insert(key);
  }
  for (const auto& k : added) add(k);

  ASSERT_EQ(run_shard(2).exit_code, 0) << logs[2];
  ASSERT_EQ(run_shard(3).exit_code, 0) << logs[3];
  for (int i = 1; i < kShards; ++i) {
    EXPECT_EQ(logs[static_cast<std::size_t>(i)].find("made the shard plan"), std::string::npos);
  }

  // Every key at most once; every key that was there throughout exactly once; nothing else.
  auto written = keys_written(out);
  for (const auto& [key, rows] : written) {
    EXPECT_EQ(rows, 1) << key;
    EXPECT_TRUE(before.count(key) + added.count(key) == 1) << "a key that never was: " << key;
  }
  for (const auto& key : before) {
    if (removed.count(key) == 0) EXPECT_EQ(written.count(key), 1U) << key;
  }

  // The plan's ranges, dealt out: the shards' manifests cover every range once.
  auto plan = read_json(out / "_tiff_dumper/plan.json");
  std::size_t ranges = 0;
  for (const auto& p : plan["prefixes"]) ranges += p["bounds"].size() + 1;
  EXPECT_GE(ranges, static_cast<std::size_t>(kShards));
  std::size_t covered = 0;
  std::uint64_t shard_requests = 0;
  for (int i = 0; i < kShards; ++i) {
    auto manifest = read_json(manifest_of(out, i));
    covered += manifest["plan_ranges"].get<std::size_t>();
    shard_requests += manifest["list_requests"].get<std::uint64_t>();
    // Each shard lists only its part: fewer pages than one run.
    EXPECT_LT(
        manifest["list_requests"].get<std::uint64_t>() - (i == 0 ? plan["sample_requests"].get<std::uint64_t>() : 0),
        single_requests)
        << i;
  }
  EXPECT_EQ(covered, ranges);
  // All shards together: one run's pages, at most one more page per range (where a range ends
  // inside a page), plus the sampling (at most 64 pages a prefix). The bucket grew by 46 keys
  // meanwhile: up to 3 more pages.
  const auto sampled = plan["sample_requests"].get<std::uint64_t>();
  EXPECT_LE(sampled, 64U * 2);
  EXPECT_LE(shard_requests, single_requests + 3 + ranges + sampled);

  // Another shard count is another run (OUT_DIR refuses it); a dry run, which opens no output,
  // is refused by the plan, naming both counts.
  auto other = run_cli({"headers", "--shard", "0/3", cfg.string(), out.string()});
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_NE(other.err.find("different run"), std::string::npos) << other.err;
  auto other_dry = run_cli({"headers", "--dry-run", "--shard", "0/3", cfg.string(), out.string()});
  EXPECT_EQ(other_dry.exit_code, 2) << other_dry.err;
  EXPECT_NE(other_dry.err.find("was made for 4 shards, and this run has 3"), std::string::npos) << other_dry.err;

  // A rerun of one shard after it lost its output resumes against the same plan: the run's
  // files of shard 2 are deleted with its manifest, then --resume writes its keys again.
  for (const auto& e : fs::directory_iterator(out)) {
    auto name = e.path().filename().string();
    if (name.find("-00002-") != std::string::npos || name == manifest_of(out, 2).filename().string()) {
      fs::remove(e.path());
    }
  }
  for (const auto& e : fs::recursive_directory_iterator(out / "_tiff_dumper")) {
    if (e.path().filename().string().find("-00002-") != std::string::npos) fs::remove(e.path());
  }
  auto rerun = run_shard(2, {"--resume"});
  ASSERT_TRUE(rerun.exit_code == 0) << rerun.err;
  auto again = keys_written(out);
  EXPECT_EQ(again, written);
}

TEST_F(ShardPlan, ShardsStartingTogetherAgreeOnOnePlanInAnS3OutDir) {
  TempDir tmp;
  auto cfg = config(tmp.path(), "output:\n  store_options:\n    endpoint: " + moto_->endpoint() +
                                    "\n    allow_http: true\n    region: us-east-1\n"
                                    "    access_key_id: AKIAIOSFODNN7EXAMPLE\n"
                                    "    secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
  std::vector<tdump::testing::ChildProcess> shards;
  for (int i = 0; i < kShards; ++i) {
    shards.push_back(start_cli({"headers", "--shard", shard_arg(i), cfg.string(), "s3://results/together"},
                               tmp.path() / ("log" + std::to_string(i))));
  }
  int makers = 0;
  for (int i = 0; i < kShards; ++i) {
    auto code = shards[static_cast<std::size_t>(i)].wait(std::chrono::seconds(300));
    auto log = tdump::testing::read_file(tmp.path() / ("log" + std::to_string(i)));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0) << log;
    makers += log.find("made the shard plan") != std::string::npos ? 1 : 0;
  }
  // One plan was created (a shard that lost the create uses the winner's) and every shard listed by it.
  EXPECT_EQ(makers, 1);
  auto names = download_s3(*moto_, "results", "together/", tmp.path() / "dl");
  EXPECT_EQ(std::count(names.begin(), names.end(), "_tiff_dumper/plan.json"), 1);
  auto plan = read_json(tmp.path() / "dl" / "_tiff_dumper/plan.json");
  std::size_t ranges = 0;
  for (const auto& p : plan["prefixes"]) ranges += p["bounds"].size() + 1;
  std::size_t covered = 0;
  for (int i = 0; i < kShards; ++i)
    covered += read_json(manifest_of(tmp.path() / "dl", i))["plan_ranges"].get<std::size_t>();
  EXPECT_EQ(covered, ranges);
  auto written = keys_written(tmp.path() / "dl");
  auto expected = listed_keys();
  EXPECT_EQ(written.size(), expected.size());
  for (const auto& key : expected) EXPECT_EQ(written[key], 1) << key;
}

// A service that answers at most 1,000 keys a page while list_chunk_size asks for 10,000 (real
// S3 and GCS; bench/list/list_server.py answers the same way): the plan must still cut each prefix
// into several ranges a shard. Taking the short first page for the whole prefix made every plan a
// single range, and one shard listed everything while the others listed nothing. The plan is made
// first with `--plan-only` (nothing else is written), then each shard's dry run reads it and
// counts its keys; the oracle for the total is the server's own key list (--dump-keys).
TEST(ShardPlanAtThePageCap, ShardsShareTheKeysWhenTheServiceSendsShorterPagesThanAsked) {
  TempDir tmp;
  const auto server_script = (tdump::testing::source_dir() / "bench/list/list_server.py").string();
  constexpr int kKeys = 20'000;
  const auto server = start_list_server(tmp, kKeys, {"tree", "flat"});
  ASSERT_NE(server.port, 0);
  const std::uint16_t port = server.port;
  for (const std::string layout : {"tree", "flat"}) {
    SCOPED_TRACE(layout);
    auto listed = tdump::testing::run_command(
        {"python3", server_script, "--keys", std::to_string(kKeys), "--layout", layout, "--dump-keys", layout});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto expected = static_cast<std::uint64_t>(std::count(listed.out.begin(), listed.out.end(), '\n'));
    ASSERT_GT(expected, 10'000U);
    const auto cfg = tmp.path() / (layout + ".yaml");
    // No concurrency block: the defaults (list_chunk_size 10,000) are what a user runs with.
    tdump::testing::write_file(cfg, "store:\n  name: s3://" + layout + "\n  prefixes: [\"" +
                                        (layout == "tree" ? "tiles/" : "flat/") +
                                        "\"]\n  obstore_config: {endpoint: \"http://127.0.0.1:" + std::to_string(port) +
                                        "\", allow_http: true, skip_signature: true, region: us-east-1}\n");
    const fs::path out = tmp.path() / ("out-" + layout);
    auto plan = run_cli({"headers", "--plan-only", "--shards", std::to_string(kShards), cfg.string(), out.string()});
    ASSERT_EQ(plan.exit_code, 0) << plan.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(plan.err, m, std::regex(R"(shard plan: (\d+) key ranges for 4 shards.*made now)")))
        << plan.err;
    // Several ranges a shard (one per LIST request in flight, at least eight).
    EXPECT_GE(std::stoull(m[1].str()), std::uint64_t{kShards} * 8) << plan.err;
    // Only the plan is written: no shard is claimed, nothing else is there.
    std::vector<std::string> written;
    for (const auto& entry : fs::recursive_directory_iterator(out)) {
      if (entry.is_regular_file()) written.push_back(fs::relative(entry.path(), out).string());
    }
    EXPECT_EQ(written, std::vector<std::string>{"_tiff_dumper/plan.json"});
    // The tree's plan measures its key space in the shape of the names (store/common/key_shape.hpp:
    // '/' and band letters fixed by place) and keeps it for the shards' splits; the flat folder's
    // pages fit one alphabet as well, and its plan has none.
    const auto stored = read_json(out / "_tiff_dumper/plan.json");
    ASSERT_EQ(stored["prefixes"].size(), 1U);
    EXPECT_EQ(stored["prefixes"][0].contains("shape"), layout == "tree") << stored.dump();
    // Made once: a second --plan-only finds it.
    auto again = run_cli({"headers", "--plan-only", "--shards", std::to_string(kShards), cfg.string(), out.string()});
    EXPECT_NE(again.err.find("already there"), std::string::npos) << again.err;
    std::uint64_t total = 0;
    for (int i = 0; i < kShards; ++i) {
      auto r = run_cli({"headers", "--dry-run", "--shard", shard_arg(i), cfg.string(), out.string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.err.find("made the shard plan"), std::string::npos) << r.err;
      const std::uint64_t keys = dry_run_keys(r.err);
      // Eight ranges a shard at equal-count quantiles of the sampled pages: each shard's share is
      // near a quarter (a single-range plan gave one shard all and the others none).
      EXPECT_GT(keys, expected / kShards / 2) << r.err;
      EXPECT_LT(keys, expected / kShards * 2) << r.err;
      total += keys;
    }
    EXPECT_EQ(total, expected);
  }
}

// A plan over many prefixes shares one sampling budget among them (each reads at least its first
// page) and samples them side by side: sampling each prefix as if it were the only one read over a
// thousand pages for nine prefixes of 10^6 keys, more than listing them all once. The oracle for
// the keys is the server's own key list (--dump-keys), filtered to the prefixes.
TEST(ShardPlanAtThePageCap, ManyPrefixesShareOneSamplingBudget) {
  TempDir tmp;
  const auto server_script = (tdump::testing::source_dir() / "bench/list/list_server.py").string();
  constexpr int kKeys = 60'000;
  const auto server = start_list_server(tmp, kKeys, {"tree"});
  ASSERT_NE(server.port, 0);
  const std::uint16_t port = server.port;
  auto listed = tdump::testing::run_command(
      {"python3", server_script, "--keys", std::to_string(kKeys), "--layout", "tree", "--dump-keys", "tree"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  // Zones 1-9 by their first digit: "tiles/1" holds zones 1 and 10-19, and so on.
  std::string prefixes;
  for (int zone = 1; zone <= 9; ++zone) prefixes += (zone > 1 ? ", " : "") + ("\"tiles/" + std::to_string(zone) + "\"");
  const auto expected = static_cast<std::uint64_t>(std::count(listed.out.begin(), listed.out.end(), '\n'));
  const auto cfg = tmp.path() / "zones.yaml";
  tdump::testing::write_file(cfg, "store:\n  name: s3://tree\n  prefixes: [" + prefixes +
                                      "]\n  obstore_config: {endpoint: \"http://127.0.0.1:" + std::to_string(port) +
                                      "\", allow_http: true, skip_signature: true, region: us-east-1}\n");
  const fs::path out = tmp.path() / "out";
  auto plan = run_cli({"headers", "--plan-only", "--shards", std::to_string(kShards), cfg.string(), out.string()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(plan.err, m, std::regex(R"(shard plan: (\d+) key ranges.*made now, (\d+) LIST requests)")))
      << plan.err;
  EXPECT_GE(std::stoull(m[1].str()), std::uint64_t{kShards} * 8) << plan.err;
  // 128 sampled pages at most for the whole plan.
  EXPECT_LE(std::stoull(m[2].str()), 128U) << plan.err;
  const auto stored = read_json(out / "_tiff_dumper/plan.json");
  ASSERT_EQ(stored["prefixes"].size(), 9U);
  std::uint64_t total = 0;
  for (int i = 0; i < kShards; ++i) {
    auto r = run_cli({"headers", "--dry-run", "--shard", shard_arg(i), cfg.string(), out.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    total += dry_run_keys(r.err);
  }
  EXPECT_EQ(total, expected);  // zones 1-9 by first digit are every zone
}

}  // namespace
}  // namespace tdump::dump::testing
