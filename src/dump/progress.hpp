#pragma once
// Live counters of a run and their display: a redrawn line on a terminal, periodic log lines
// otherwise, nothing with --quiet (README "Usage").
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace tdump::dump {

struct Counters {
  std::atomic<std::uint64_t> listed{0};        // TIFF keys accepted by the filter
  std::atomic<std::uint64_t> skipped_done{0};  // accepted but already written (resume)
  std::atomic<std::uint64_t> done{0};          // data rows
  std::atomic<std::uint64_t> failed{0};        // error rows
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> bytes{0};     // header bytes fetched
  std::atomic<std::uint64_t> requests{0};  // range requests made
  std::atomic<bool> listing_done{false};
};

enum class ProgressMode : std::uint8_t { kQuiet, kTerminal, kLog };

// Picks kTerminal when `stream` is a TTY, else kLog; kQuiet when `quiet`.
ProgressMode choose_progress_mode(bool quiet, std::FILE* stream);

class ProgressReporter {
 public:
  ProgressReporter(const Counters& counters, ProgressMode mode, std::FILE* stream,
                   std::chrono::milliseconds log_interval = std::chrono::seconds(10));
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;
  ~ProgressReporter();
  // Stops the display and clears the terminal line.
  void stop();

  // One status text, e.g. "listed 1200 | done 1100 | failed 3 | in flight 97 | 4100 hdr/s | 18.0 MB | 0:05 | ETA 0:01".
  static std::string format_line(const Counters& counters, std::chrono::steady_clock::duration elapsed,
                                 double rate_per_s);

 private:
  // The display thread: one line per tick until its stop token is set.
  void run(const std::stop_token& token);

  // Set in the constructor, read-only after (counters_ are atomics other threads add to).
  const Counters& counters_;
  ProgressMode mode_;
  std::FILE* stream_;  // written by the display thread; by stop()'s caller once it is joined
  std::chrono::milliseconds log_interval_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;                  // the display thread waits a tick on wake_ under it
  std::condition_variable_any wake_;  // with mutex_ and the thread's stop token: a stop wakes it at once
  bool stopped_ = false;              // the caller of stop() (one thread) only
  std::jthread thread_;               // last: a destructor that skipped stop() still stops and joins it
};

std::string format_duration(std::chrono::steady_clock::duration d);

}  // namespace tdump::dump
