// `tiff-dumper status OUT_DIR [--config CONFIG_FILE] [-o KEY=VALUE ...] [--shards N] [--json]`:
// which shards of a (sharded) run are done, running, failed or missing, read from OUT_DIR (a
// folder or a store URL), and the job-level `_SUCCESS` once all are done (dump/job_status.hpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/store_setup.hpp"
#include "dump/job_status.hpp"
#include "http/url_redaction.hpp"
#include "output/output_storage.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"
#include "store/local/local_store.hpp"
#include "store/object_store.hpp"

namespace tdump::cli {
namespace {

constexpr std::size_t kMaxMessageBytes = 8192;
// Exit codes of `status` (besides kExitUsage and kExitFatal): 0 every shard done, 1 a shard
// failed or missing (or no run at all), 4 none failed or missing but some still running.
constexpr int kExitIncomplete = 1;
constexpr int kExitRunning = 4;

struct StatusArgs {
  std::string out_dir;
  std::string config_file;
  std::vector<std::string> options;
  std::uint32_t shards = 0;
  std::uint32_t stale_after = 0;
  bool json = false;
  bool no_finalize = false;
};

int fail(const Error& error) {
  std::string text = store::server_text(http::redact_userinfo_in_text(error.describe()), {}, kMaxMessageBytes);
  std::fprintf(stderr, "status: %s\n", text.c_str());
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFatal;
}

int run_status(const StatusArgs& args) {
  spdlog::set_level(spdlog::level::warn);
  if (!store::is_valid_utf8(args.out_dir)) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "OUT_DIR " + store::display_key(args.out_dir) + ": not valid UTF-8 (shown as %XX)"));
  }
  output::OutputStoreSettings settings;
  if (!args.config_file.empty()) {
    // The store options `headers` would use for this OUT_DIR.
    auto config = load_config(args.config_file);
    if (!config) return fail(config.error());
    settings.options = output::output_store_options(config->store_name, config->store_options, args.out_dir,
                                                    config->output_store_options);
  }
  auto values = parse_option_flags(args.options);
  if (!values) return fail(values.error());
  for (auto& [key, value] : *values) settings.options[key] = value;
  settings.shard_tag = "status";

  if (!output::is_remote_location(args.out_dir)) {
    // A local OUT_DIR is not created by looking at it.
    auto path = store::local_path_of_url(args.out_dir);
    if (!path) return fail(make_error(ErrorCode::kInvalidArgument, "OUT_DIR: " + path.error().message));
    std::error_code ec;
    if (!std::filesystem::is_directory(*path, ec)) {
      std::fprintf(stderr, "status: OUT_DIR %s does not exist\n", args.out_dir.c_str());
      return kExitIncomplete;
    }
  }
  auto storage = output::open_output(args.out_dir, settings);
  if (!storage) return fail(storage.error());

  dump::StatusOptions options;
  options.expected_shards = args.shards;
  options.stale_after = std::chrono::seconds(args.stale_after);
  options.finalize = !args.no_finalize;
  auto report = dump::job_status(**storage, options);
  if (!report) return fail(report.error());
  const std::string text = args.json ? dump::job_report_json(*report) : dump::job_report_text(*report);
  std::fputs(text.c_str(), stdout);
  if (report->complete()) return kExitOk;
  if (report->shards > 0 && report->failed == 0 && report->missing == 0) return kExitRunning;
  return kExitIncomplete;
}

}  // namespace

CommandRunner add_status_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "status",
      "Say which shards of the run in OUT_DIR are done, running, failed or missing; write the job's _SUCCESS "
      "when all are done");
  auto args = std::make_shared<StatusArgs>();
  cmd->add_option("OUT_DIR", args->out_dir, "The OUT_DIR the shards write to (a folder or a store URL)")->required();
  cmd->add_option("--config", args->config_file,
                  "The shards' config file: OUT_DIR's store options are taken from it as `headers` takes them");
  cmd->add_option("-o,--option", args->options, "Set a store option of OUT_DIR KEY=VALUE (repeatable)");
  cmd->add_option("--shards", args->shards, "The number of shards expected (default: what OUT_DIR records)")
      ->check(CLI::Range(1U, 99999U));
  cmd->add_option("--stale-after", args->stale_after,
                  "Seconds after which a running shard's heartbeat is stale (default: 3 beats, at least 60)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_flag("--no-finalize", args->no_finalize, "Do not write the job _SUCCESS even when every shard is done");
  cmd->footer(
      "Exit status: 0 every shard done (the job _SUCCESS is there), 1 a shard failed or missing, 2 bad usage, 3 "
      "OUT_DIR unreadable, 4 shards still running (none failed or missing).");
  return [args] { return run_status(*args); };
}

}  // namespace tdump::cli
