#pragma once
// `tiff-dumper status OUT_DIR`: what the N shards of a run have done, read from OUT_DIR only
// (dump/output_dir.hpp has the layout), and the job-level `_SUCCESS` once all N are done.
//
// A shard is
//   done     its manifest `_SUCCESS-IIIII-of-NNNNN` (`_SUCCESS` when N = 1) is there;
//   running  no manifest, and its lease (dump/shard_lease.hpp) says "running" with a beat
//            younger than the stale limit;
//   failed   no manifest, and its lease is stale or says "failed" / "interrupted", or its
//            manifest cannot be read;
//   missing  nothing but perhaps its descriptor `_tiff_dumper/shard-IIIII.json` (a shard
//            started by a build without leases, or killed before its first beat).
// N comes from the names and contents of manifests, leases and descriptors (they must agree),
// or from the caller. With N > 1 the job manifest is `_SUCCESS` (JSON with "kind": "job"): it
// is written, with one atomic write, only when every shard is done, and lists every shard's
// files and counts.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "dump/shard_lease.hpp"
#include "output/output_storage.hpp"

namespace tdump::dump {

enum class ShardState : std::uint8_t { kDone, kRunning, kFailed, kMissing };
[[nodiscard]] std::string_view to_string(ShardState state) noexcept;

struct ShardReport {
  std::uint32_t index = 0;
  ShardState state = ShardState::kMissing;
  std::string detail;  // why, for people
  // From the manifest (done shards).
  std::string manifest;  // its name in OUT_DIR
  std::uint64_t listed = 0;
  std::uint64_t rows = 0;     // the manifest's "rows" (data rows; see the report on resumed shards)
  std::uint64_t written = 0;  // rows written by its last attempt
  std::uint64_t errors = 0;   // error rows of its last attempt
  std::vector<std::string> files;
  std::optional<LeaseRecord> lease;
  std::int64_t beat_age_seconds = -1;  // -1: no lease
};

struct JobReport {
  std::string location;
  std::string run;           // the run fingerprint, when a manifest or descriptor gives it
  std::uint32_t shards = 0;  // 0: OUT_DIR holds no run
  std::vector<ShardReport> shard_reports;
  std::uint32_t done = 0, running = 0, failed = 0, missing = 0;
  std::uint64_t listed = 0, rows = 0, errors = 0;
  bool job_manifest_present = false;  // a job-level `_SUCCESS` was there before this call
  bool job_manifest_written = false;  // this call wrote it
  std::string job_manifest;           // its full path or URL

  [[nodiscard]] bool complete() const { return shards > 0 && done == shards; }
};

struct StatusOptions {
  std::uint32_t expected_shards = 0;  // 0: from OUT_DIR
  // A running lease older than this is stale; 0: 3 beat intervals, at least 60 s.
  std::chrono::seconds stale_after{0};
  // "Now" for the staleness test (tests set it); empty: the system clock.
  std::optional<std::int64_t> now_unix;
  bool finalize = true;  // write the job `_SUCCESS` when every shard is done
};

inline constexpr std::size_t kMaxManifestBytes = std::size_t{64} * 1024 * 1024;

// Reads OUT_DIR and, when every shard is done (and `finalize`), writes the job manifest.
Result<JobReport> job_status(output::OutputStorage& storage, const StatusOptions& options);

// The job manifest's JSON text (what job_status writes).
[[nodiscard]] std::string job_manifest_json(const JobReport& report);
// The report for people (one line a shard, then the totals) and as JSON.
[[nodiscard]] std::string job_report_text(const JobReport& report);
[[nodiscard]] std::string job_report_json(const JobReport& report);

}  // namespace tdump::dump
