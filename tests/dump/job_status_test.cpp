// `status` logic (dump/job_status.hpp) over local OUT_DIRs laid out as the shards leave them,
// and the heartbeat lease (dump/shard_lease.hpp) driven directly: beats, final states, stop.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "dump/job_status.hpp"
#include "dump/shard_lease.hpp"
#include "temp_dir.hpp"

namespace tdump::dump {
namespace {
namespace fs = std::filesystem;
using tdump::testing::read_file;
using tdump::testing::TempDir;
using tdump::testing::write_file;

std::unique_ptr<output::OutputStorage> local(const fs::path& dir) {
  auto storage = output::open_local_output(dir);
  EXPECT_TRUE(storage.ok());
  return std::move(storage).value();
}

// What a shard's run writes: its descriptor, and when done its manifest (as src/dump/pipeline.cpp).
void started(const fs::path& dir, std::uint32_t i, std::uint32_t n, const std::string& run = "fp") {
  write_file(dir / fmt::format("_tiff_dumper/shard-{:05}.json", i),
             fmt::format("{{\"fingerprint\": \"{}\", \"shard\": {}, \"shards\": {}}}\n", run, i, n));
}
void finished(const fs::path& dir, std::uint32_t i, std::uint32_t n, std::uint64_t listed, std::uint64_t rows,
              const std::string& run = "fp") {
  started(dir, i, n, run);
  nlohmann::json m = {{"tool", "tiff-dumper"},
                      {"run", run},
                      {"shard", {{"index", i}, {"count", n}}},
                      {"files", {fmt::format("part-{:05}-000001.parquet", i)}},
                      {"rows", rows},
                      {"listed", listed},
                      {"written_this_attempt", rows - 1},
                      {"errors_this_attempt", 1}};
  const std::string name = n == 1 ? "_SUCCESS" : fmt::format("_SUCCESS-{:05}-of-{:05}", i, n);
  write_file(dir / name, m.dump(2));
}
void lease(const fs::path& dir, std::uint32_t i, std::uint32_t n, const std::string& state, std::int64_t beat,
           std::uint32_t interval = 30) {
  LeaseRecord r;
  r.shard = {i, n};
  r.host = "node-7";
  r.pid = 4242;
  r.state = state;
  r.started = "2026-01-01T00:00:00Z";
  r.last_beat = "2026-01-01T00:10:00Z";
  r.last_beat_unix = beat;
  r.interval_seconds = interval;
  r.beats = 20;
  write_file(dir / lease_name(r.shard), lease_json(r));
}

constexpr std::int64_t kNow = 1'800'000'000;

Result<JobReport> status_of(const fs::path& dir, StatusOptions options = {}) {
  options.now_unix = kNow;
  auto storage = local(dir);
  return job_status(*storage, options);
}

TEST(JobStatus, AllDoneWritesTheJobManifestOnceWithEveryShardsCounts) {
  TempDir tmp;
  const auto& dir = tmp.path();
  finished(dir, 0, 3, 10, 9);
  finished(dir, 1, 3, 20, 19);
  finished(dir, 2, 3, 30, 29);
  auto report = status_of(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->shards, 3U);
  EXPECT_TRUE(report->complete());
  EXPECT_TRUE(report->job_manifest_written);
  EXPECT_EQ(report->listed, 60U);
  EXPECT_EQ(report->rows, 57U);
  auto job = nlohmann::json::parse(read_file(dir / "_SUCCESS"));
  EXPECT_EQ(job["kind"], "job");
  EXPECT_EQ(job["shards"], 3);
  EXPECT_EQ(job["rows"], 57);
  EXPECT_EQ(job["run"], "fp");
  EXPECT_EQ(job["files"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"part-00000-000001.parquet", "part-00001-000001.parquet",
                                      "part-00002-000001.parquet"}));
  ASSERT_EQ(job["shard_manifests"].size(), 3U);
  EXPECT_EQ(job["shard_manifests"][1]["listed"], 20);
  EXPECT_EQ(job["shard_manifests"][1]["errors_last_attempt"], 1);
  // Once there, it is left alone.
  auto again = status_of(dir);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->complete());
  EXPECT_TRUE(again->job_manifest_present);
  EXPECT_FALSE(again->job_manifest_written);
  auto parsed = nlohmann::json::parse(job_report_json(*again));
  EXPECT_EQ(parsed["complete"], true);
  EXPECT_EQ(parsed["shard_reports"][2]["rows"], 29);
}

TEST(JobStatus, EachStateIsNamedAndNoJobManifestIsWritten) {
  TempDir tmp;
  const auto& dir = tmp.path();
  finished(dir, 0, 5, 10, 10);
  started(dir, 1, 5);
  lease(dir, 1, 5, "running", kNow - 20);  // fresh
  started(dir, 2, 5);
  lease(dir, 2, 5, "running", kNow - 600);  // stale: 600 s > max(60, 3 x 30)
  started(dir, 3, 5);
  lease(dir, 3, 5, "failed", kNow - 5);  // finalised as failed
  // shard 4: nothing at all
  auto report = status_of(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->shards, 5U);
  const auto& s = report->shard_reports;
  EXPECT_EQ(s[0].state, ShardState::kDone);
  EXPECT_EQ(s[1].state, ShardState::kRunning);
  EXPECT_EQ(s[1].beat_age_seconds, 20);
  EXPECT_EQ(s[2].state, ShardState::kFailed);
  EXPECT_NE(s[2].detail.find("stale"), std::string::npos) << s[2].detail;
  EXPECT_EQ(s[3].state, ShardState::kFailed);
  EXPECT_NE(s[3].detail.find("failed"), std::string::npos) << s[3].detail;
  EXPECT_EQ(s[4].state, ShardState::kMissing);
  EXPECT_EQ(report->done, 1U);
  EXPECT_EQ(report->running, 1U);
  EXPECT_EQ(report->failed, 2U);
  EXPECT_EQ(report->missing, 1U);
  EXPECT_FALSE(report->complete());
  EXPECT_FALSE(fs::exists(dir / "_SUCCESS"));
  const auto text = job_report_text(*report);
  EXPECT_NE(text.find("shard     4/5  missing"), std::string::npos) << text;
  EXPECT_NE(text.find("node-7"), std::string::npos) << text;
  // A longer stale limit makes shard 2 running again.
  StatusOptions patient;
  patient.stale_after = std::chrono::seconds(3600);
  auto lenient = status_of(dir, patient);
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(lenient->shard_reports[2].state, ShardState::kRunning);
}

TEST(JobStatus, WithoutLeasesDoneOrMissingAndTheExpectedCountFillsTheGaps) {
  TempDir tmp;
  const auto& dir = tmp.path();
  finished(dir, 2, 4, 5, 5);
  started(dir, 0, 4);  // started by a build without leases, never finished
  auto report = status_of(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->shards, 4U);
  EXPECT_EQ(report->shard_reports[0].state, ShardState::kMissing);
  EXPECT_NE(report->shard_reports[0].detail.find("descriptor"), std::string::npos);
  EXPECT_EQ(report->shard_reports[1].state, ShardState::kMissing);
  EXPECT_EQ(report->shard_reports[2].state, ShardState::kDone);
  EXPECT_EQ(report->missing, 3U);
  // An empty OUT_DIR: no run, unless the count is given.
  TempDir empty;
  auto none = status_of(empty.path());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->shards, 0U);
  StatusOptions three;
  three.expected_shards = 3;
  auto all_missing = status_of(empty.path(), three);
  ASSERT_TRUE(all_missing.ok());
  EXPECT_EQ(all_missing->missing, 3U);
  // A count that contradicts OUT_DIR is refused.
  auto wrong = status_of(dir, three);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("different shard counts"), std::string::npos) << wrong.error().message;
}

TEST(JobStatus, UnshardedRunIsDoneWithItsOwnManifestAndNothingIsWritten) {
  TempDir tmp;
  finished(tmp.path(), 0, 1, 7, 7);
  const auto before = read_file(tmp.path() / "_SUCCESS");
  auto report = status_of(tmp.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->shards, 1U);
  EXPECT_TRUE(report->complete());
  EXPECT_FALSE(report->job_manifest_written);
  EXPECT_EQ(read_file(tmp.path() / "_SUCCESS"), before);
}

TEST(JobStatus, MixedRunsBadManifestsAndBadLeasesAreReported) {
  TempDir tmp;
  const auto& dir = tmp.path();
  finished(dir, 0, 2, 1, 1, "run-a");
  finished(dir, 1, 2, 1, 1, "run-b");
  auto mixed = status_of(dir);
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("different runs"), std::string::npos) << mixed.error().message;
  EXPECT_FALSE(fs::exists(dir / "_SUCCESS"));

  TempDir other;
  finished(other.path(), 0, 2, 1, 1);
  write_file(other.path() / "_SUCCESS-00001-of-00002", "{ not json");
  write_file(other.path() / lease_name({0, 2}), "garbage");  // ignored: shard 0 has its manifest
  auto bad = status_of(other.path());
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_EQ(bad->shard_reports[0].state, ShardState::kDone);
  EXPECT_EQ(bad->shard_reports[1].state, ShardState::kFailed);
  EXPECT_FALSE(fs::exists(other.path() / "_SUCCESS"));

  TempDir leases;
  write_file(leases.path() / lease_name({0, 2}), "{\"shard\": {\"index\": 0, \"count\": 2}}");
  auto unreadable = status_of(leases.path());
  ASSERT_TRUE(unreadable.ok()) << unreadable.error().message;
  EXPECT_EQ(unreadable->shard_reports[0].state, ShardState::kFailed);
  EXPECT_EQ(unreadable->shard_reports[1].state, ShardState::kMissing);
}

TEST(ShardLease, JsonRoundTripsAndRefusesWhatIsNotALease) {
  LeaseRecord r;
  r.shard = {3, 8};
  r.host = "h";
  r.pid = 12;
  r.state = "interrupted";
  r.last_beat_unix = 99;
  r.interval_seconds = 5;
  r.beats = 7;
  auto back = parse_lease(lease_json(r));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->shard.index, 3U);
  EXPECT_EQ(back->shard.count, 8U);
  EXPECT_EQ(back->state, "interrupted");
  EXPECT_EQ(back->last_beat_unix, 99);
  EXPECT_EQ(back->beats, 7U);
  EXPECT_EQ(lease_name({3, 8}), "_tiff_dumper/shard-00003-of-00008.lease");
  EXPECT_FALSE(parse_lease("[]").ok());
  EXPECT_FALSE(
      parse_lease("{\"shard\": {\"index\": 0, \"count\": 1}, \"state\": \"odd\", \"last_beat_unix\": 1}").ok());
  EXPECT_EQ(parse_lease(std::string(kMaxLeaseBytes + 1, ' ')).error().code, ErrorCode::kLimit);
}

// Waits (on a condition variable, not a clock) until the lease thread has written `beats` beats.
struct BeatCounter {
  std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t beats = 0;
  void on_beat(std::uint64_t n) {
    {
      std::lock_guard lock(mutex);
      beats = n;
    }
    cv.notify_all();
  }
  void wait_for(std::uint64_t n) {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return beats >= n; });
  }
};

TEST(ShardLease, BeatsWhileRunningThenDoneRemovesItAndStatusSeesEachPhase) {
  TempDir tmp;
  const auto& dir = tmp.path();
  started(dir, 1, 2);
  BeatCounter counter;
  LeaseOptions options;
  options.interval = std::chrono::milliseconds(5);
  options.on_beat = [&](std::uint64_t n) { counter.on_beat(n); };
  auto lease = ShardLease::start(local(dir), {1, 2}, options);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  counter.wait_for(3);
  auto record = parse_lease(read_file(dir / "_tiff_dumper/shard-00001-of-00002.lease"));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->state, "running");
  EXPECT_GE(record->beats, 3U);
  EXPECT_EQ(record->pid, static_cast<std::int64_t>(::getpid()));
  EXPECT_FALSE(record->host.empty());
  EXPECT_EQ(record->interval_seconds, 1U);
  {
    auto storage = local(dir);
    StatusOptions options_now;  // the real clock: the beat was just written
    auto report = job_status(*storage, options_now);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->shard_reports[1].state, ShardState::kRunning);
    EXPECT_EQ(report->running, 1U);
  }
  ASSERT_TRUE((*lease)->finish(LeaseOutcome::kDone).ok());
  EXPECT_FALSE(fs::exists(dir / "_tiff_dumper/shard-00001-of-00002.lease"));
  EXPECT_TRUE((*lease)->finish(LeaseOutcome::kFailed).ok());  // a second finish does nothing
  EXPECT_FALSE(fs::exists(dir / "_tiff_dumper/shard-00001-of-00002.lease"));
}

TEST(ShardLease, FinishWakesALongIntervalAndRecordsTheFinalState) {
  TempDir tmp;
  const auto& dir = tmp.path();
  LeaseOptions hourly;
  hourly.interval = std::chrono::hours(1);  // finish must not wait for it
  auto lease = ShardLease::start(local(dir), {0, 3}, hourly);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  auto first = parse_lease(read_file(dir / lease_name({0, 3})));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->beats, 1U);  // written before start() returned
  EXPECT_EQ(first->interval_seconds, 3600U);
  ASSERT_TRUE((*lease)->finish(LeaseOutcome::kInterrupted).ok());
  auto last = parse_lease(read_file(dir / lease_name({0, 3})));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->state, "interrupted");
  auto storage = local(dir);
  auto report = job_status(*storage, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->shard_reports[0].state, ShardState::kFailed);

  // Destroyed without finish: recorded as failed.
  TempDir other;
  {
    auto dropped = ShardLease::start(local(other.path()), {2, 3}, hourly);
    ASSERT_TRUE(dropped.ok());
  }
  auto dropped_record = parse_lease(read_file(other.path() / lease_name({2, 3})));
  ASSERT_TRUE(dropped_record.ok());
  EXPECT_EQ(dropped_record->state, "failed");
}

TEST(ShardLease, AnUnwritableOutDirIsTheStartError) {
  TempDir tmp;
  auto storage = local(tmp.path() / "out");
  fs::remove_all(tmp.path() / "out");
  write_file(tmp.path() / "out", "a file where the folder was");
  auto lease = ShardLease::start(std::move(storage), {0, 1}, {});
  EXPECT_FALSE(lease.ok());
}

}  // namespace
}  // namespace tdump::dump
