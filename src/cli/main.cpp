#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <vector>

#include "cli/commands.hpp"

namespace {

// Every request in flight over HTTP/1.1 holds a socket: a default soft limit of 1024 descriptors
// would cap n_consumers well below its default of 1000 plus the files we write. Raise the soft
// limit to the hard one (no privilege needed).
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  raise_open_file_limit();
  using namespace tdump::cli;
  // Logs go to stderr: stdout carries the output of `inspect` and `ls`.
  spdlog::set_default_logger(spdlog::stderr_color_mt("tiff-dumper"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"tiff-dumper: inventory the headers of TIFF / GeoTIFF / COG files in object stores"};
  app.name("tiff-dumper");
  app.set_version_flag("--version", TDUMP_VERSION);
  app.require_subcommand(1);

  std::vector<std::pair<const CLI::App*, CommandRunner>> commands;
  auto add = [&](CommandRunner runner) { commands.emplace_back(app.get_subcommands({}).back(), std::move(runner)); };
  add(add_headers_command(app));
  add(add_inspect_command(app));
  add(add_ls_command(app));
  add(add_status_command(app));
  add(add_report_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (auto& [sub, run] : commands) {
    if (sub->parsed()) return run();
  }
  return kExitUsage;
}
