// A closed-loop load generator over the engine alone: keeps `--concurrency` ranged GETs in
// flight over a list of paths (rotating, like bench/http/rotate.lua for wrk) for `--duration`
// seconds after a warm-up, then prints one line of key=value figures for run.sh.
//
//   http_load --base-url http://127.0.0.1:PORT --paths FILE [--range 16384] [--concurrency 64]
//             [--duration 10] [--warmup 2] [--loops 1] [--own-http1 1]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http/engine.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string base_url;
  std::string paths_file;
  std::size_t range = 16384;
  std::size_t concurrency = 64;
  double duration_s = 10;
  double warmup_s = 2;
  std::uint32_t loops = 1;
  bool own_http1 = true;  // ClientConfig::own_http1 (0: libcurl for every request)
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bool parse(int argc, char** argv, Options& options) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.contains("--base-url") || !args.contains("--paths")) return false;
  options.base_url = args["--base-url"];
  options.paths_file = args["--paths"];
  if (args.contains("--range")) options.range = std::stoul(args["--range"]);
  if (args.contains("--concurrency")) options.concurrency = std::stoul(args["--concurrency"]);
  if (args.contains("--duration")) options.duration_s = std::stod(args["--duration"]);
  if (args.contains("--warmup")) options.warmup_s = std::stod(args["--warmup"]);
  if (args.contains("--loops")) options.loops = static_cast<std::uint32_t>(std::stoul(args["--loops"]));
  if (args.contains("--own-http1")) options.own_http1 = args["--own-http1"] != "0";
  return true;
}

class Load {
 public:
  Load(tdump::http::Engine& engine, const Options& options, std::vector<std::string> paths)
      : engine_(engine), options_(options), paths_(std::move(paths)) {
    range_header_ = "bytes=0-" + std::to_string(options.range - 1);
  }

  void start() {
    for (std::size_t i = 0; i < options_.concurrency; ++i) issue();
  }
  void stop() { stopping_.store(true); }
  void wait_idle() const {
    while (outstanding_.load() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  [[nodiscard]] std::uint64_t completed() const { return completed_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  void issue() {
    const auto index = next_.fetch_add(1, std::memory_order_relaxed) % paths_.size();
    tdump::http::Request request;
    request.url = options_.base_url + paths_[index];
    request.headers.push_back({"Range", range_header_});
    outstanding_.fetch_add(1, std::memory_order_relaxed);
    engine_.submit(std::move(request), [this](tdump::Result<tdump::http::Response> result) {
      if (!result.ok() || result->status != 206 || result->body.size() != options_.range) {
        errors_.fetch_add(1, std::memory_order_relaxed);
      }
      completed_.fetch_add(1, std::memory_order_relaxed);
      if (!stopping_.load(std::memory_order_relaxed)) issue();
      outstanding_.fetch_sub(1, std::memory_order_relaxed);
    });
  }

  tdump::http::Engine& engine_;
  const Options& options_;
  std::vector<std::string> paths_;
  std::string range_header_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::int64_t> outstanding_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: %s --base-url URL --paths FILE [--range N] [--concurrency N] [--duration S] "
                 "[--warmup S] [--loops N] [--own-http1 0|1]\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> paths;
  std::ifstream in(options.paths_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) paths.push_back(line);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "no paths in %s\n", options.paths_file.c_str());
    return 2;
  }
  tdump::http::ClientConfig config;
  config.loops = options.loops;
  config.own_http1 = options.own_http1;
  auto engine = tdump::http::Engine::create(config);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.error().describe().c_str());
    return 1;
  }
  Load load(**engine, options, std::move(paths));
  load.start();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.warmup_s));
  const auto done_before = load.completed();
  const auto cpu_before = cpu_seconds();
  const auto stats_before = (*engine)->stats();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.duration_s));
  const auto done = load.completed() - done_before;
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu_before;
  const auto stats = (*engine)->stats();
  load.stop();
  load.wait_idle();
  const double rate = static_cast<double>(done) / elapsed;
  std::printf(
      "requests=%llu seconds=%.3f rps=%.0f cpu_us_per_request=%.2f cpu_cores=%.2f errors=%llu "
      "connections_opened=%llu easy_handles=%llu retries=%llu\n",
      static_cast<unsigned long long>(done), elapsed, rate, done == 0 ? 0.0 : cpu / static_cast<double>(done) * 1e6,
      cpu / elapsed, static_cast<unsigned long long>(load.errors()),
      static_cast<unsigned long long>(stats.connections_opened - stats_before.connections_opened),
      static_cast<unsigned long long>(stats.easy_handles), static_cast<unsigned long long>(stats.retries));
  (*engine)->shutdown();
  return load.errors() == 0 ? 0 : 1;
}
