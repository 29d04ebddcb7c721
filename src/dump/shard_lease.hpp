#pragma once
// The heartbeat of a running shard: `_tiff_dumper/shard-IIIII-of-NNNNN.lease` in OUT_DIR, rewritten
// whole every `interval` by a thread of its own, so that `tiff-dumper status` (dump/job_status.hpp)
// can tell a running shard (fresh beat) from one that died (stale beat) or failed (final state).
//
// The lease is JSON: {"tool", "shard": {index, count}, "host", "pid", "state": "running" | "failed"
// | "interrupted", "started", "last_beat" (ISO 8601 UTC), "last_beat_unix", "interval_seconds",
// "beats"}. It names no store, URL or credential. On finish(kDone) it is removed (the manifest
// says the rest); on finish(kFailed / kInterrupted) it is rewritten once with that state.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.hpp"
#include "dump/key_filter.hpp"
#include "output/output_storage.hpp"

namespace tdump::dump {

// What a lease file says.
struct LeaseRecord {
  Shard shard;
  std::string host;
  std::int64_t pid = 0;
  std::string state = "running";  // running, failed, interrupted
  std::string started;            // ISO 8601 UTC
  std::string last_beat;          // ISO 8601 UTC
  std::int64_t last_beat_unix = 0;
  std::uint32_t interval_seconds = 0;
  std::uint64_t beats = 0;
};

// "_tiff_dumper/shard-00001-of-00004.lease"
[[nodiscard]] std::string lease_name(const Shard& shard);
[[nodiscard]] std::string lease_json(const LeaseRecord& record);
// Parses a lease file (at most kMaxLeaseBytes); a malformed one is a kParse error.
Result<LeaseRecord> parse_lease(std::string_view text);
inline constexpr std::size_t kMaxLeaseBytes = std::size_t{64} * 1024;

enum class LeaseOutcome : std::uint8_t { kDone, kFailed, kInterrupted };

struct LeaseOptions {
  // Time between beats (at least 1 ms; the file records it rounded up to whole seconds).
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  // Called on the lease thread after each beat written, with the beat count (tests).
  std::function<void(std::uint64_t)> on_beat;
};

class ShardLease {
 public:
  // Writes the first beat now (its failure is the error: OUT_DIR is not writable), then starts
  // the thread that rewrites the lease every interval. `storage` is the lease's own (it is used
  // from the lease thread only).
  static Result<std::unique_ptr<ShardLease>> start(std::unique_ptr<output::OutputStorage> storage, Shard shard,
                                                   LeaseOptions options);
  // The same for OUT_DIR given as a path or store URL (opens a storage of its own).
  static Result<std::unique_ptr<ShardLease>> start(const std::string& location, output::OutputStoreSettings settings,
                                                   Shard shard, LeaseOptions options);

  ShardLease(const ShardLease&) = delete;
  ShardLease& operator=(const ShardLease&) = delete;
  // A lease never finished is finished as kFailed (the run ended without saying it was done).
  ~ShardLease();

  // Stops the beats (wakes the thread at once) and removes the lease (kDone) or rewrites it with
  // the final state. Only the first call acts.
  Status finish(LeaseOutcome outcome);

  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  ShardLease(std::unique_ptr<output::OutputStorage> storage, Shard shard, LeaseOptions options);
  Status beat();  // writes the lease with the next beat count
  void run(const std::stop_token& token);

  // Owned by the lease thread while it runs, by the caller of start()/finish() otherwise.
  std::unique_ptr<output::OutputStorage> storage_;
  LeaseRecord record_;
  const std::string name_;
  const LeaseOptions options_;
  // Guards nothing but the wait: the stop token wakes the condition variable.
  std::mutex wait_mutex_;
  std::condition_variable_any wake_;
  bool finished_ = false;  // caller's thread
  std::jthread thread_;    // last: joined before the members above go
};

}  // namespace tdump::dump
