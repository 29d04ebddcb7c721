#pragma once
// `tiff-dumper headers`: lister(s) -> bounded key queue -> n_consumers header reads in flight,
// parsed in place -> row batches -> a writer thread that writes Parquet (ARCHITECTURE.md).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "dump/key_filter.hpp"
#include "dump/progress.hpp"
#include "dump/run_config.hpp"
#include "dump/stop_signal.hpp"

namespace tdump::dump {

struct RunOptions {
  std::string out_dir;  // a local folder, or a store URL (s3://bucket/prefix, az://..., gs://..., https://...)
  bool resume = false;
  bool dry_run = false;  // list and count only
  // Make the shard plan in OUT_DIR (or find the one there) and stop: nothing else is listed,
  // claimed or written. Run once before a fleet starts, so that its shards only read the plan
  // (shards that start together without one each sample the bucket; one plan wins).
  bool plan_only = false;
  Shard shard;                           // this process's part of the keys
  std::optional<std::string> keys_file;  // take keys from a file ("-": stdin) instead of listing
  ProgressMode progress = ProgressMode::kQuiet;
  // Requested (e.g. by a signal handler) to stop: listing stops, no request is retried any
  // more, what is in flight may finish within `stop_grace` (then it is cancelled), the rows
  // done are written, and the run ends as interrupted (resumable). Keys whose reads were
  // cancelled get no row: --resume reads them.
  StopSignal* stop = nullptr;
  std::chrono::milliseconds stop_grace{5'000};
};

struct RunSummary {
  std::uint64_t listed = 0;                              // TIFF keys accepted by the filter (this shard)
  std::uint64_t skipped_done = 0;                        // already in OUT_DIR (resume)
  std::uint64_t done = 0;                                // data rows written
  std::uint64_t failed = 0;                              // error rows written
  std::uint64_t rows_with_warnings = 0;                  // data or error rows with a value left NULL or out
  std::uint64_t abandoned = 0;                           // keys whose reads a stop cancelled (no row)
  std::map<std::string, std::uint64_t> errors_by_stage;  // list / fetch / parse
  std::uint64_t bytes = 0;                               // header bytes fetched
  std::uint64_t requests = 0;                            // range requests
  std::uint64_t list_requests = 0;                       // LIST requests (listing + a shard plan made here)
  std::size_t plan_ranges = 0;                           // key ranges of the whole shard plan (0: none)
  bool plan_made = false;                                // the plan was made (and with plan_only, written) here
  double seconds = 0;
  std::vector<std::string> files;  // output files of this shard
  bool interrupted = false;
  std::filesystem::path manifest;  // empty when interrupted or dry run
};

// Runs the whole job. An Error means the run could not start or could not go on (bad store,
// unwritable OUT_DIR, failed listing of every prefix); per-file problems are error rows.
Result<RunSummary> run_headers(const RunConfig& config, const RunOptions& options);

// The text that identifies a run for OUT_DIR bookkeeping (what must match to resume).
std::string run_fingerprint(const RunConfig& config, const RunOptions& options);

}  // namespace tdump::dump
