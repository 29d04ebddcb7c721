// `tiff-dumper report OUT_DIR [--output report.html] [-o KEY=VALUE ...]`: one self-contained HTML
// page about a finished run, drawn from the statistics every shard's manifest holds (src/report):
// the Parquet files are never read, so the page costs the same for 10 rows or 10^8.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/store_setup.hpp"
#include "http/url_redaction.hpp"
#include "output/output_storage.hpp"
#include "report/aggregates.hpp"
#include "report/html.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"
#include "store/common/time_format.hpp"

namespace tdump::cli {
namespace {

namespace fs = std::filesystem;

// A manifest is a few KB plus its aggregates (bounded by src/report to well under a MiB); more is
// not ours.
constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{16} << 20;
constexpr std::size_t kMaxManifests = 100'000;  // shards
constexpr std::size_t kMaxMessageBytes = 8192;
constexpr std::size_t kMaxStoresShown = 8;

struct ReportArgs {
  std::string out_dir;
  std::string output = "report.html";
  std::vector<std::string> options;
};

std::string shown(std::string_view text) {
  return store::server_text(http::redact_userinfo_in_text(text), {}, kMaxMessageBytes);
}

int fail(const Error& error) {
  std::cerr << "report: " << shown(error.describe()) << "\n";
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFatal;
}

// "_SUCCESS" (an unsharded run) or "_SUCCESS-IIIII-of-NNNNN": the shard count, else nullopt.
std::optional<std::uint64_t> manifest_shards(std::string_view name) {
  if (name == "_SUCCESS") return 1;
  constexpr std::string_view kPrefix = "_SUCCESS-";
  if (name.size() != kPrefix.size() + 5 + 4 + 5 || name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  if (name.substr(kPrefix.size() + 5, 4) != "-of-") return std::nullopt;
  std::uint64_t index = 0, count = 0;
  const char* p = name.data() + kPrefix.size();
  if (std::from_chars(p, p + 5, index).ptr != p + 5) return std::nullopt;
  p += 9;
  if (std::from_chars(p, p + 5, count).ptr != p + 5) return std::nullopt;
  if (count == 0 || index >= count) return std::nullopt;
  return count;
}

// Writes the page next to its final name, then renames it into place.
Status write_page(const fs::path& path, const std::string& html) {
  const fs::path temp = path.string() + fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error(ErrorCode::kIo, "cannot create " + temp.string());
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(temp, ignored);
      return make_error(ErrorCode::kIo, "cannot write " + temp.string());
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return make_error(ErrorCode::kIo, "cannot rename the page to " + path.string());
  }
  return {};
}

int run_report(const ReportArgs& args) {
  if (!store::is_valid_utf8(args.out_dir)) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "OUT_DIR " + store::display_key(args.out_dir) + ": not valid UTF-8 (shown as %XX)"));
  }
  auto options = parse_option_flags(args.options);
  if (!options) return fail(options.error());
  // A local OUT_DIR must exist: opening it as output storage would create it.
  if (!output::is_remote_location(args.out_dir) && args.out_dir.rfind("file://", 0) != 0 &&
      !fs::is_directory(args.out_dir)) {
    return fail(make_error(ErrorCode::kNotFound, "OUT_DIR " + args.out_dir + ": no such directory"));
  }
  output::OutputStoreSettings settings;
  settings.options = std::move(*options);
  settings.shard_tag = "report";
  auto storage = output::open_output(args.out_dir, settings);
  if (!storage) return fail(storage.error());

  auto listed = (*storage)->list("_SUCCESS");
  if (!listed) return fail(listed.error());
  std::vector<output::StoredObject> manifests;
  std::set<std::uint64_t> shard_counts;
  for (auto& object : *listed) {
    auto shards = manifest_shards(object.name);
    if (!shards) continue;
    if (object.size > kMaxManifestBytes) {
      return fail(make_error(ErrorCode::kParse, fmt::format("{}: {} bytes, more than a manifest can hold ({})",
                                                            object.name, object.size, kMaxManifestBytes)));
    }
    shard_counts.insert(*shards);
    manifests.push_back(std::move(object));
    if (manifests.size() > kMaxManifests) {
      return fail(make_error(ErrorCode::kParse, fmt::format("more than {} manifests in OUT_DIR", kMaxManifests)));
    }
  }
  if (manifests.empty()) {
    return fail(make_error(ErrorCode::kNotFound,
                           fmt::format("{}: no manifest (_SUCCESS or _SUCCESS-IIIII-of-NNNNN): no shard of a run has "
                                       "finished there",
                                       (*storage)->location())));
  }

  report::Aggregates merged;
  report::PageContext context;
  context.location = http::redact_userinfo_in_text((*storage)->location());
  context.generated = store::format_iso8601(std::time(nullptr));
  std::set<std::string> stores, runs;
  std::uint64_t without_aggregates = 0;
  auto status =
      (*storage)->read_each(manifests, [&](const output::StoredObject& object, const std::string& text) -> Status {
        if (text.size() > kMaxManifestBytes) return make_error(ErrorCode::kParse, object.name + ": too large");
        auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded() || !json.is_object()) {
          return make_error(ErrorCode::kParse, object.name + ": not a JSON object");
        }
        if (auto it = json.find("store"); it != json.end() && it->is_string() && stores.size() < kMaxStoresShown) {
          stores.insert(it->get<std::string>().substr(0, 2048));
        }
        if (auto it = json.find("run"); it != json.end() && it->is_string() && runs.size() < kMaxStoresShown) {
          runs.insert(it->get<std::string>().substr(0, 64));
        }
        ++context.manifests;
        auto it = json.find("aggregates");
        if (it == json.end()) {
          ++without_aggregates;
          return {};
        }
        auto aggregates = report::Aggregates::from_json(*it);
        if (!aggregates) return make_error(ErrorCode::kParse, object.name + ": " + aggregates.error().message);
        merged.merge(*aggregates);
        return {};
      });
  if (!status) return fail(status.error());

  context.stores.assign(stores.begin(), stores.end());
  context.runs.assign(runs.begin(), runs.end());
  if (shard_counts.size() == 1) context.shard_count = *shard_counts.begin();
  if (shard_counts.size() > 1) {
    context.notes.emplace_back("OUT_DIR holds manifests of runs split into different numbers of shards.");
  }
  if (runs.size() > 1) context.notes.emplace_back("OUT_DIR holds the manifests of more than one run.");
  if (context.shard_count > manifests.size()) {
    context.notes.push_back(fmt::format("Only {} of the run's {} shards have finished: the page shows those.",
                                        manifests.size(), context.shard_count));
  }
  if (without_aggregates > 0) {
    context.notes.push_back(
        fmt::format("{} manifest(s) hold no statistics (written by a tiff-dumper older than `report`): not counted.",
                    without_aggregates));
  }
  if (merged.resumed_past() > 0) {
    context.notes.push_back(fmt::format(
        "{} rows were written by earlier, interrupted attempts (--resume): the statistics cover the last attempt "
        "of each shard only.",
        merged.resumed_past()));
  }

  const std::string html = report::render_html(merged, context);
  if (auto s = write_page(args.output, html); !s) return fail(s.error());
  std::cout << args.output << "\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Write one self-contained HTML page about a finished run in OUT_DIR");
  cmd->add_option("OUT_DIR", args->out_dir, "The OUT_DIR of `headers` (a local folder or a store URL)")->required();
  cmd->add_option("--output", args->output, "Where to write the page")->capture_default_str();
  cmd->add_option("-o,--option", args->options, "Store option KEY=VALUE for a store OUT_DIR (repeatable)");
  return [args] { return run_report(*args); };
}

}  // namespace tdump::cli
