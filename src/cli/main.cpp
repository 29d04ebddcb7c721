#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <cstdio>
#include <vector>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
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
