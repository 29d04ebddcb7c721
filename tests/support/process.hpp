#pragma once
// Child processes for tests: real servers (moto, nginx, Azurite) and oracle tools (gdalinfo,
// tiffdump, DuckDB through node). No shell is involved, so arguments need no quoting.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tdump::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH) to completion and captures its output.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& extra_env = {},
                          const std::optional<std::string>& stdin_data = std::nullopt,
                          const std::filesystem::path& cwd = {});

// Like run_command but aborts the test (ADD_FAILURE + empty result) on a non-zero exit.
std::string run_checked(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env = {});

// A background process killed (SIGTERM, then SIGKILL) when the object dies.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
               const std::filesystem::path& cwd, const std::filesystem::path& log_file);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  void signal(int sig) const;
  // Waits for exit; returns the exit code, 128+signal when killed, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void stop();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace tdump::testing
