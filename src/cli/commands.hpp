#pragma once
// Each subcommand lives in its own file and registers itself on the app; the returned
// function runs it after parsing and gives the process exit code (README "Usage"):
// 0 all done, 1 done with per-file errors, 2 bad usage/config, 3+ fatal.
#include <functional>

namespace CLI {
class App;
}

namespace tdump::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFileErrors = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFatal = 3;

using CommandRunner = std::function<int()>;

CommandRunner add_inspect_command(CLI::App& app);
CommandRunner add_ls_command(CLI::App& app);
CommandRunner add_headers_command(CLI::App& app);
CommandRunner add_status_command(CLI::App& app);
CommandRunner add_report_command(CLI::App& app);

}  // namespace tdump::cli
