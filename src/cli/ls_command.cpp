// `tiff-dumper ls STORE_URL [--prefix P]`: placeholder until the stores land (issue 4).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"

namespace tdump::cli {

CommandRunner add_ls_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("ls", "List the keys of a store with size and date");
  auto url = std::make_shared<std::string>();
  cmd->add_option("store", *url, "Store URL")->required();
  return [url] {
    std::cerr << "ls: not implemented yet\n";
    return kExitFatal;
  };
}

}  // namespace tdump::cli
