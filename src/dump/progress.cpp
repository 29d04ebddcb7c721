#include "dump/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <deque>

namespace tdump::dump {

ProgressMode choose_progress_mode(bool quiet, std::FILE* stream) {
  if (quiet) return ProgressMode::kQuiet;
  return ::isatty(::fileno(stream)) != 0 ? ProgressMode::kTerminal : ProgressMode::kLog;
}

std::string format_duration(std::chrono::steady_clock::duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 0) s = 0;
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string ProgressReporter::format_line(const Counters& c, std::chrono::steady_clock::duration elapsed,
                                          double rate_per_s) {
  auto listed = c.listed.load();
  auto finished = c.done.load() + c.failed.load() + c.skipped_done.load();
  std::string line =
      fmt::format("listed {}{} | done {} | failed {} | in flight {} | {:.0f} hdr/s | {:.1f} MB | {}", listed,
                  c.listing_done.load() ? "" : "+", c.done.load(), c.failed.load(), c.in_flight.load(), rate_per_s,
                  static_cast<double>(c.bytes.load()) / 1e6, format_duration(elapsed));
  if (c.skipped_done.load() > 0) line += fmt::format(" | resumed past {}", c.skipped_done.load());
  // The total is known only once listing has finished.
  if (c.listing_done.load() && rate_per_s > 0 && listed >= finished) {
    auto remaining = static_cast<double>(listed - finished) / rate_per_s;
    line += " | ETA " + format_duration(std::chrono::seconds(static_cast<long>(remaining)));
  }
  return line;
}

ProgressReporter::ProgressReporter(const Counters& counters, ProgressMode mode, std::FILE* stream,
                                   std::chrono::milliseconds log_interval)
    : counters_(counters),
      mode_(mode),
      stream_(stream),
      log_interval_(log_interval),
      start_(std::chrono::steady_clock::now()) {
  if (mode_ != ProgressMode::kQuiet) thread_ = std::jthread([this](const std::stop_token& token) { run(token); });
}

ProgressReporter::~ProgressReporter() {
  stop();
}

void ProgressReporter::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    thread_.request_stop();  // wakes its wait on wake_ at once
    thread_.join();
  }
  if (mode_ == ProgressMode::kTerminal) {
    std::fputs("\r\033[2K", stream_);
    std::fflush(stream_);
  }
}

void ProgressReporter::run(const std::stop_token& token) {
  using clock = std::chrono::steady_clock;
  const auto tick = mode_ == ProgressMode::kTerminal ? std::chrono::milliseconds(250) : log_interval_;
  // Rate over a sliding window of ~5 s, so it reflects the present rather than the whole run.
  std::deque<std::pair<clock::time_point, std::uint64_t>> window;
  std::unique_lock lock(mutex_);
  // Each wait ends at the tick, or at once when stop() requests the stop (no predicate but the token).
  while (!wake_.wait_for(lock, token, tick, [] { return false; }) && !token.stop_requested()) {
    auto now = clock::now();
    auto finished = counters_.done.load() + counters_.failed.load();
    window.emplace_back(now, finished);
    while (window.size() > 1 && now - window.front().first > std::chrono::seconds(5)) window.pop_front();
    double seconds = std::chrono::duration<double>(now - window.front().first).count();
    double rate = seconds > 0 ? static_cast<double>(finished - window.front().second) / seconds : 0;
    auto line = format_line(counters_, now - start_, rate);
    if (mode_ == ProgressMode::kTerminal) {
      std::fprintf(stream_, "\r\033[2K%s", line.c_str());
    } else {
      std::fprintf(stream_, "progress: %s\n", line.c_str());
    }
    std::fflush(stream_);
  }
}

}  // namespace tdump::dump
