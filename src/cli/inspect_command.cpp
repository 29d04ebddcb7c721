// `tiff-dumper inspect PATH...`: each file's parsed header as one JSON object per line, read
// through the incremental protocol (a prefetch, then only the ranges the engine asks for).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/inspect_json.hpp"
#include "cli/local_file_reader.hpp"
#include "common/units.hpp"
#include "tiff/fetcher.hpp"
#include "tiff/geokeys.hpp"

namespace tdump::cli {
namespace {

struct InspectOptions {
  std::vector<std::string> paths;
  std::string prefetch = "16KiB";
};

nlohmann::json error_json(const std::string& path, const Error& error, const tiff::TiffHeader& header) {
  nlohmann::json doc = {{"path", path}};
  if (!header.error.ok()) {
    doc["error"] = tiff::to_string(header.error.kind);
    doc["message"] = header.error.message;
  } else {
    doc["error"] = to_string(error.code);
    doc["message"] = error.describe();
  }
  return doc;
}

// One file: its JSON document and whether it parsed.
std::pair<nlohmann::json, bool> inspect_file(const std::string& path, tiff::HeaderFetcher& fetcher,
                                             tiff::TiffHeader& header, tiff::GeoKeySet& geokeys) {
  header.clear();
  auto file = LocalFile::open(path);
  if (!file.ok()) return {error_json(path, file.error(), header), false};
  tiff::FetchStats stats;
  Status status = fetcher.fetch(file->reader(), file->size(), header, stats);
  if (!status.ok()) {
    nlohmann::json doc = error_json(path, status.error(), header);
    doc["reads"] = stats.reads;
    return {std::move(doc), false};
  }
  tiff::TiffError geo_error = decode_geokeys(header, header.ifds.front(), geokeys);
  if (!geo_error.ok()) {
    header.error = geo_error;
    nlohmann::json doc = error_json(path, geo_error.to_error(), header);
    doc["reads"] = stats.reads;
    return {std::move(doc), false};
  }
  nlohmann::json doc = {{"path", path},
                        {"size", file->size()},
                        {"reads", stats.reads},
                        {"rounds", stats.rounds},
                        {"header_bytes", header.header_bytes}};
  doc.update(header_to_json(header, geokeys));
  return {std::move(doc), true};
}

}  // namespace

CommandRunner add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Print each file's parsed TIFF header as JSON (one object per line)");
  auto options = std::make_shared<InspectOptions>();
  cmd->add_option("paths", options->paths, "TIFF files")->required();
  cmd->add_option("--prefetch", options->prefetch, "Bytes of the first read (e.g. 16384, 16KiB)")
      ->capture_default_str();
  return [options] {
    auto prefetch = parse_byte_size(options->prefetch);
    if (!prefetch || *prefetch == 0) {
      std::cerr << "inspect: --prefetch " << options->prefetch << " is not a positive byte size\n";
      return kExitUsage;
    }
    tiff::FetchOptions fetch_options;
    fetch_options.prefetch = *prefetch;
    tiff::HeaderFetcher fetcher({}, fetch_options);
    tiff::TiffHeader header;
    tiff::GeoKeySet geokeys;
    bool all_ok = true;
    for (const std::string& path : options->paths) {
      auto [doc, ok] = inspect_file(path, fetcher, header, geokeys);
      all_ok = all_ok && ok;
      std::cout << doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    std::cout.flush();
    return all_ok ? kExitOk : kExitFileErrors;
  };
}

}  // namespace tdump::cli
