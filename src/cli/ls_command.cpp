// `tiff-dumper ls STORE_URL [--prefix P] [-o KEY=VALUE ...] [--page-size N] [--max-keys N] [--json]`:
// lists a store's keys with size and date, and a total, so a user can check a store
// configuration (URL, options, credentials) before a long run.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/store_setup.hpp"
#include "http/url_redaction.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"
#include "store/object_store.hpp"

namespace tdump::cli {
namespace {

constexpr std::size_t kMaxMessageBytes = 8192;

struct LsArgs {
  std::string url;
  std::vector<std::string> prefixes;
  std::vector<std::string> options;
  std::size_t page_size = 0;
  std::size_t max_keys = 0;
  bool json = false;
};

std::string iso_utc(std::int64_t micros) {
  std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000 - (micros % 1'000'000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int exit_code_for(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFatal;
}

// Messages may quote URLs the user gave (with a password in them) and keys: userinfo removed,
// control characters escaped.
std::string shown(std::string_view text) {
  return store::server_text(http::redact_userinfo_in_text(text), {}, kMaxMessageBytes);
}

int fail(const Error& error) {
  std::cerr << "ls: " << shown(error.describe()) << "\n";
  return exit_code_for(error);
}

int run_ls(const LsArgs& args) {
  // The URL and prefixes go into URLs and JSON: UTF-8 text only.
  if (!store::is_valid_utf8(args.url)) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "store URL " + store::display_key(args.url) + ": not valid UTF-8 (shown as %XX)"));
  }
  for (const auto& prefix : args.prefixes) {
    if (!store::is_valid_utf8(prefix)) {
      return fail(make_error(ErrorCode::kInvalidArgument,
                             "--prefix " + store::display_key(prefix) + ": not valid UTF-8 (shown as %XX)"));
    }
  }
  store::StoreOptions options;
  options.warn = [](std::string_view message) { std::cerr << "ls: warning: " << message << "\n"; };
  auto values = parse_option_flags(args.options);
  if (!values) return fail(values.error());
  options.values = std::move(*values);
  auto opened = open_store_for_cli(args.url, options);
  if (!opened) return fail(opened.error());
  auto& store = *opened->store;

  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> prefixes = args.prefixes.empty() ? std::vector<std::string>{""} : args.prefixes;
  std::string line;
  for (const auto& prefix : prefixes) {
    auto stream = store.list(prefix, args.page_size);
    for (bool more = true; more;) {
      auto page = stream->next();
      if (!page) {
        std::fflush(stdout);
        std::cerr << "ls: listing " << shown(store::display_key(store.url_for(prefix))) << " failed after " << objects
                  << " keys: " << shown(page.error().describe()) << "\n";
        return exit_code_for(page.error());
      }
      if (!page->has_value()) break;
      for (const auto& meta : (*page)->objects) {
        ++objects;
        if (meta.size) bytes += *meta.size;
        // Keys (and URLs made of them) by the one spelling rule of store/common/display_key.hpp:
        // every string below is valid UTF-8, so the JSON needs no replacement characters.
        if (args.json) {
          nlohmann::json row = {{"key", store::display_key(meta.key)},
                                {"url", store::display_key(store.url_for(meta.key))}};
          row["size"] = meta.size ? nlohmann::json(*meta.size) : nlohmann::json(nullptr);
          row["last_modified"] = meta.last_modified_us ? nlohmann::json(iso_utc(*meta.last_modified_us)) : nullptr;
          row["etag"] = meta.etag.empty() ? nlohmann::json(nullptr) : nlohmann::json(store::display_key(meta.etag));
          line = row.dump();
        } else {
          line =
              fmt::format("{:>14}  {:<20}  {}", meta.size ? std::to_string(*meta.size) : "-",
                          meta.last_modified_us ? iso_utc(*meta.last_modified_us) : "-", store::terminal_key(meta.key));
        }
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), stdout);
        if (args.max_keys != 0 && objects >= args.max_keys) {
          more = false;
          break;
        }
      }
    }
    if (args.max_keys != 0 && objects >= args.max_keys) break;
  }
  std::string total = fmt::format("total: {} objects, {} bytes{}\n", objects, bytes,
                                  args.max_keys != 0 && objects >= args.max_keys ? " (stopped at --max-keys)" : "");
  if (args.json) {
    std::fflush(stdout);
    std::fputs(total.c_str(), stderr);
  } else {
    std::fputs(total.c_str(), stdout);
  }
  opened->engine->shutdown();
  return kExitOk;
}

}  // namespace

CommandRunner add_ls_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("ls", "List the keys of a store with size and date (check a store configuration)");
  auto args = std::make_shared<LsArgs>();
  cmd->add_option("store", args->url, "Store URL (s3://, gs://, az://, abfs[s]://, http(s)://, file:// or a path)")
      ->required();
  cmd->add_option("--prefix", args->prefixes, "List only keys under this prefix (repeatable)");
  cmd->add_option("-o,--option", args->options, "Store option KEY=VALUE, obstore names (repeatable)");
  cmd->add_option("--page-size", args->page_size, "Keys per listing request (0 = the store's maximum)");
  cmd->add_option("--max-keys", args->max_keys, "Stop after this many keys (0 = all)");
  cmd->add_flag("--json", args->json, "One JSON object per key (key, url, size, last_modified, etag); total on stderr");
  return [args] { return run_ls(*args); };
}

}  // namespace tdump::cli
