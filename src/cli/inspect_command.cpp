// `tiff-dumper inspect PATH_OR_URL...`: each file's parsed header as one JSON object per line,
// read through the incremental protocol (a prefetch, then only the ranges the engine asks for),
// from a local file (pread) or through any store (ranged reads).
#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/inspect_json.hpp"
#include "cli/local_file_reader.hpp"
#include "cli/store_setup.hpp"
#include "common/units.hpp"
#include "http/url_redaction.hpp"
#include "store/common/display_key.hpp"
#include "store/common/server_text.hpp"
#include "tiff/fetcher.hpp"

namespace tdump::cli {
namespace {

constexpr std::size_t kMaxMessageBytes = 8192;

struct InspectOptions {
  std::vector<std::string> paths;
  std::string prefetch = "16KiB";
  std::vector<std::string> options;
};

bool is_url(const std::string& path) {
  return path.find("://") != std::string::npos;
}

// How inspect prints a path or URL it was given: userinfo removed (a password typed into a URL
// never reaches the output), and spelt by the key rule (store/common/display_key.hpp).
std::string shown_path(const std::string& path) {
  return store::display_key(http::strip_userinfo(path));
}

// A message may quote the URL too: userinfo removed, control characters escaped.
std::string shown_message(std::string_view message) {
  return store::server_text(http::redact_userinfo_in_text(message), {}, kMaxMessageBytes);
}

nlohmann::json error_json(const std::string& path, const Error& error, const tiff::TiffHeader& header) {
  nlohmann::json doc = {{"path", shown_path(path)}};
  if (!header.error.ok()) {
    doc["error"] = tiff::to_string(header.error.kind);
    doc["message"] = shown_message(header.error.message);
  } else {
    doc["error"] = to_string(error.code);
    doc["message"] = shown_message(error.describe());
  }
  return doc;
}

// Reads a header through `reader` with the header session (the same limits and verdicts as
// `headers`) and renders it, or the failure, as JSON.
std::pair<nlohmann::json, bool> inspect_with(const std::string& path, const tiff::RangeReader& reader,
                                             std::optional<std::uint64_t> size, tiff::HeaderFetcher& fetcher) {
  Status status = fetcher.fetch(reader, size);
  const tiff::HeaderSession& session = fetcher.session();
  const tiff::FetchStats stats = fetcher.stats();
  if (!status.ok()) {
    nlohmann::json doc = error_json(path, status.error(), session.header());
    doc["reads"] = stats.reads;
    return {std::move(doc), false};
  }
  size = session.file_size();
  nlohmann::json doc = {{"path", shown_path(path)},
                        {"size", size ? nlohmann::json(*size) : nlohmann::json(nullptr)},
                        {"reads", stats.reads},
                        {"rounds", stats.rounds},
                        {"header_bytes", stats.bytes}};
  doc.update(header_to_json(session.header(), session.geokeys()));
  doc.update(session_to_json(session));
  doc.update(geo_to_json(
      geo::thread_geo_deriver().derive(session.header(), session.header().ifds.front(), session.geokeys())));
  return {std::move(doc), true};
}

// A local file, read with pread.
std::pair<nlohmann::json, bool> inspect_file(const std::string& path, tiff::HeaderFetcher& fetcher) {
  auto file = LocalFile::open(path);
  if (!file.ok()) return {error_json(path, file.error(), tiff::TiffHeader{}), false};
  return inspect_with(path, file->reader(), file->size(), fetcher);
}

// An object of a store, read with ranged requests; stores are reused across URLs of one store.
std::pair<nlohmann::json, bool> inspect_url(const std::string& url, const store::StoreOptions& options,
                                            std::map<std::string, OpenedStore>& stores, tiff::HeaderFetcher& fetcher) {
  const tiff::TiffHeader header;
  const std::string store_url = url.substr(0, url.rfind('/'));
  std::string key;
  auto found = stores.find(store_url);
  if (found == stores.end()) {
    auto opened = open_object_url(url, options);
    if (!opened) return {error_json(url, opened.error(), header), false};
    key = std::move(opened->second);
    found = stores.emplace(store_url, std::move(opened->first)).first;
  } else {
    auto k = found->second.store->key_for_url(url);
    if (!k) return {error_json(url, make_error(ErrorCode::kInvalidArgument, "not an object URL"), header), false};
    key = std::move(*k);
  }
  store::ObjectStore& store = *found->second.store;
  tiff::RangeReader reader = [&](std::uint64_t offset, std::span<std::uint8_t> buffer) -> Result<std::uint64_t> {
    auto read = store.read_range_blocking(key, {offset, buffer.size()});
    if (!read) return std::move(read).error();
    if (read->object_size) fetcher.report_object_size(*read->object_size);
    std::size_t n = std::min(read->bytes.size(), buffer.size());
    std::memcpy(buffer.data(), read->bytes.data(), n);
    return static_cast<std::uint64_t>(n);
  };
  return inspect_with(url, reader, std::nullopt, fetcher);
}

}  // namespace

CommandRunner add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Print each file's parsed TIFF header as JSON (one object per line)");
  auto options = std::make_shared<InspectOptions>();
  cmd->add_option("paths", options->paths, "TIFF files or object URLs (s3://, gs://, az://, http(s)://, file://)")
      ->required();
  cmd->add_option("-o,--option", options->options, "Set a store option KEY=VALUE for URLs (repeatable)");
  cmd->add_option("--prefetch", options->prefetch, "Bytes of the first read (e.g. 16384, 16KiB)")
      ->capture_default_str();
  return [options] {
    auto prefetch = parse_byte_size(options->prefetch);
    if (!prefetch || *prefetch == 0) {
      std::cerr << "inspect: --prefetch " << options->prefetch << " is not a positive byte size\n";
      return kExitUsage;
    }
    tiff::SessionLimits limits;  // the defaults of `headers` (fetch.* in the config)
    limits.prefetch = *prefetch;
    tiff::HeaderFetcher fetcher(limits);
    store::StoreOptions store_options;
    auto values = parse_option_flags(options->options);
    if (!values) {
      std::cerr << "inspect: " << shown_message(values.error().message) << "\n";
      return kExitUsage;
    }
    store_options.values = std::move(*values);
    std::map<std::string, OpenedStore> stores;
    bool all_ok = true;
    for (const std::string& path : options->paths) {
      auto [doc, ok] = is_url(path) ? inspect_url(path, store_options, stores, fetcher) : inspect_file(path, fetcher);
      all_ok = all_ok && ok;
      std::cout << doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    std::cout.flush();
    return all_ok ? kExitOk : kExitFileErrors;
  };
}

}  // namespace tdump::cli
