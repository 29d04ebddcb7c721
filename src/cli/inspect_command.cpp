// `tiff-dumper inspect PATH...`: placeholder until the TIFF engine lands (issue 2).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace tdump::cli {

CommandRunner add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Print each file's parsed TIFF header as JSON");
  auto paths = std::make_shared<std::vector<std::string>>();
  cmd->add_option("paths", *paths, "TIFF files or store URLs")->required();
  return [paths] {
    std::cerr << "inspect: not implemented yet\n";
    return kExitFatal;
  };
}

}  // namespace tdump::cli
