// `tiff-dumper headers CONFIG_FILE OUT_DIR`: the original's command, plus resume, shards,
// dry runs, key files and overrides of the common knobs.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/shard_option.hpp"
#include "cli/store_setup.hpp"
#include "common/units.hpp"
#include "dump/pipeline.hpp"
#include "store/common/display_key.hpp"

namespace tdump::cli {
namespace {

// The run's stop request, set before the handlers are installed and never freed (a signal may
// come at any time until the process exits).
std::atomic<dump::StopSignal*> g_stop{nullptr};
static_assert(std::atomic<dump::StopSignal*>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  dump::StopSignal* stop = g_stop.load();
  if (stop == nullptr || !stop->request(sig)) {
    // A second signal: the user insists. Leave now; --resume completes the run.
    std::_Exit(128 + sig);
  }
}

// A command-line value that must be UTF-8 text (it goes into URLs, JSON and Parquet strings).
Status check_utf8(const std::string& option, const std::string& value) {
  if (store::is_valid_utf8(value)) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} {}: not valid UTF-8 (the bytes that are not are shown as %XX)", option,
                                store::display_key(value)));
}

struct HeadersArgs {
  std::string config_file;
  std::string out_dir;
  bool quiet = false;
  bool loud = false;
  bool resume = false;
  bool dry_run = false;
  bool plan_only = false;
  std::string shard;
  unsigned shards = 0;
  std::string keys_file;
  std::string store;
  std::vector<std::string> prefixes;
  std::vector<std::string> options;
  std::uint64_t n_consumers = 0;
  std::string prefetch;
  std::uint32_t io_threads = 0;
  std::string compression;
};

void print_summary(const dump::RunSummary& s, const dump::RunOptions& options, bool dry_run) {
  auto finished = s.done + s.failed;
  std::string out;
  if (options.plan_only) {
    out += fmt::format("shard plan: {} key ranges for {} shards in {} ({}, {} LIST requests)\n", s.plan_ranges,
                       options.shard.count, options.out_dir,
                       s.plan_made ? "made now" : "already there, made by an earlier run", s.list_requests);
    std::fputs(out.c_str(), stderr);
    return;
  }
  if (dry_run) {
    out += fmt::format("dry run: {} TIFF keys listed", s.listed);
    if (s.skipped_done > 0) out += fmt::format(", {} of them already in {}", s.skipped_done, options.out_dir);
    out += fmt::format(" ({} LIST requests)\n", s.list_requests);
    std::fputs(out.c_str(), stderr);
    return;
  }
  out += fmt::format("{}: {} headers in {:.1f} s ({:.0f} headers/s)\n", s.interrupted ? "interrupted" : "done",
                     finished, s.seconds, s.seconds > 0 ? static_cast<double>(finished) / s.seconds : 0.0);
  out += fmt::format("  listed {}, written {}, failed {}", s.listed, s.done, s.failed);
  if (s.skipped_done > 0) out += fmt::format(", skipped {} already written", s.skipped_done);
  out += "\n";
  if (!s.errors_by_stage.empty()) {
    out += "  errors by stage:";
    for (const auto& [stage, count] : s.errors_by_stage) out += fmt::format(" {} {}", stage, count);
    out += "\n";
  }
  if (finished > 0) {
    out += fmt::format("  {:.2f} requests and {:.1f} KiB per header ({:.1f} MB fetched)\n",
                       static_cast<double>(s.requests) / static_cast<double>(finished),
                       static_cast<double>(s.bytes) / static_cast<double>(finished) / 1024.0,
                       static_cast<double>(s.bytes) / 1e6);
  }
  out += fmt::format("  output: {} ({} files)\n", options.out_dir, s.files.size());
  if (!s.manifest.empty()) out += fmt::format("  manifest: {}\n", s.manifest.string());
  if (s.rows_with_warnings > 0) {
    out += fmt::format(
        "  {} rows with values left NULL or out (listing values that do not fit, tag values over "
        "the 1 MiB cap)\n",
        s.rows_with_warnings);
  }
  if (s.abandoned > 0) out += fmt::format("  {} reads cancelled by the stop (no row yet)\n", s.abandoned);
  if (s.interrupted) out += "  run again with --resume to complete it\n";
  std::fputs(out.c_str(), stderr);
}

Status apply_overrides(const HeadersArgs& args, dump::RunConfig& config) {
  if (auto s = check_utf8("--store", args.store); !s) return s;
  for (const auto& prefix : args.prefixes) {
    if (auto s = check_utf8("--prefix", prefix); !s) return s;
  }
  if (args.prefixes.size() > dump::ConfigLimits::kMaxPrefixes) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("--prefix: {} prefixes, more than the limit of {}",
                                                               args.prefixes.size(), dump::ConfigLimits::kMaxPrefixes));
  }
  if (!args.store.empty()) config.store_name = args.store;
  if (!args.prefixes.empty()) config.prefixes = args.prefixes;
  auto options = parse_option_flags(args.options);
  if (!options) return std::move(options).error();
  for (auto& [key, value] : *options) config.store_options[key] = value;
  if (args.n_consumers != 0) config.n_consumers = args.n_consumers;
  if (!args.prefetch.empty()) {
    auto bytes = parse_byte_size(args.prefetch);
    if (!bytes || *bytes < 16) {
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("--prefetch {}: expected a size of at least 16 bytes (e.g. 16384 or 64KiB)", args.prefetch));
    }
    config.prefetch = *bytes;
  }
  if (args.io_threads != 0) config.io_threads = args.io_threads;
  if (!args.compression.empty()) {
    if (args.compression == "snappy")
      config.compression = dump::OutputCompression::kSnappy;
    else if (args.compression == "zstd")
      config.compression = dump::OutputCompression::kZstd;
    else if (args.compression == "none")
      config.compression = dump::OutputCompression::kNone;
    else
      return make_error(ErrorCode::kInvalidArgument, "--compression: must be one of snappy, zstd, none");
  }
  // Overrides can break the cross-key rules the file satisfied.
  return validate_config(config);
}

int run(const HeadersArgs& args) {
  spdlog::set_level(args.quiet ? spdlog::level::err : args.loud ? spdlog::level::debug : spdlog::level::info);
  auto config = load_config(args.config_file);
  if (!config) {
    std::fprintf(stderr, "error: %s\n", config.error().message.c_str());
    return kExitUsage;
  }
  if (auto status = apply_overrides(args, *config); !status) {
    std::fprintf(stderr, "error: %s\n", status.error().message.c_str());
    return kExitUsage;
  }
  if (args.plan_only && (args.resume || !args.keys_file.empty() || (args.shard.empty() && args.shards == 0))) {
    std::fprintf(stderr,
                 "error: --plan-only needs --shards N or --shard I/N, and goes with neither --resume nor --keys\n");
    return kExitUsage;
  }
  // A plan is made for all the shards: with --shards N no array index is needed.
  const std::string shard_flag =
      args.plan_only && args.shard.empty() && args.shards > 0 ? "0/" + std::to_string(args.shards) : args.shard;
  auto shard = resolve_shard(shard_flag, args.shard.empty() && args.plan_only ? 0 : args.shards,
                             [](std::string_view name) -> std::optional<std::string> {
                               // Read once, before any thread starts.
                               const char* value =
                                   std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
                               if (value == nullptr) return std::nullopt;
                               return std::string(value);
                             });
  if (!shard) {
    std::fprintf(stderr, "error: %s\n", shard.error().message.c_str());
    return kExitUsage;
  }

  dump::RunOptions options;
  options.out_dir = args.out_dir;
  options.resume = args.resume;
  options.dry_run = args.dry_run;
  options.plan_only = args.plan_only;
  options.shard = *shard;
  if (!args.keys_file.empty()) options.keys_file = args.keys_file;
  options.progress = dump::choose_progress_mode(args.quiet, stderr);
  // Lives until the process exits: a late signal must still find it.
  static dump::StopSignal stop;
  options.stop = &stop;
  g_stop.store(&stop);

  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  auto summary = dump::run_headers(*config, options);
  if (!summary) {
    std::fprintf(stderr, "error: %s\n", summary.error().describe().c_str());
    return summary.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFatal;
  }
  if (!args.quiet) print_summary(*summary, options, args.dry_run);
  if (summary->interrupted) return 128 + (stop.signal_number() != 0 ? stop.signal_number() : SIGINT);
  return summary->failed > 0 ? kExitFileErrors : kExitOk;
}

}  // namespace

CommandRunner add_headers_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("headers", "Dump the headers of every TIFF of a store to Parquet files");
  auto args = std::make_shared<HeadersArgs>();
  cmd->add_option("CONFIG_FILE", args->config_file, "YAML config (see config.yaml)")->required();
  cmd->add_option("OUT_DIR", args->out_dir,
                  "Directory for the Parquet files (created if missing), or a store URL such as s3://bucket/prefix")
      ->required();
  auto* quiet = cmd->add_flag("-q,--quiet", args->quiet, "No progress display and no summary");
  cmd->add_flag("-v,--loud", args->loud, "More detail in the logs")->excludes(quiet);
  cmd->add_flag("--resume", args->resume, "Complete an interrupted run in OUT_DIR, skipping keys already written");
  auto* dry_run = cmd->add_flag("--dry-run", args->dry_run, "List and count the TIFF keys only");
  cmd->add_flag("--plan-only", args->plan_only,
                "With --shards N (or --shard I/N): make the shard plan in OUT_DIR now and stop (S3, GCS), so "
                "that shards started together only read it")
      ->excludes(dry_run);
  cmd->add_option("--shard", args->shard, "Run part I of N (I/N, 0-based) of the keys");
  cmd->add_option("--shards", args->shards,
                  "Run one of N parts; the part comes from JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or "
                  "SLURM_ARRAY_TASK_ID");
  cmd->add_option("--keys", args->keys_file, "Take the keys from FILE (one key or URL a line; '-' for stdin)");
  cmd->add_option("--store", args->store, "Override store.name");
  cmd->add_option("--prefix", args->prefixes, "Override store.prefixes (repeatable)");
  cmd->add_option("-o,--option", args->options, "Set a store option KEY=VALUE (repeatable)");
  cmd->add_option("--n-consumers", args->n_consumers, "Override concurrency.n_consumers");
  cmd->add_option("--prefetch", args->prefetch, "Override fetch.prefetch (bytes, e.g. 16KiB)");
  cmd->add_option("--io-threads", args->io_threads, "Override fetch.io_threads");
  cmd->add_option("--compression", args->compression, "Override output.compression (snappy, zstd, none)");
  return [args] { return run(*args); };
}

}  // namespace tdump::cli
