#pragma once
// One way to run a helper program for a credential source (the Azure CLI, an AWS
// credential_process): started with posix_spawn, never through a shell, stdin from /dev/null,
// stdout and stderr on pipes, SIGPIPE/SIGINT/SIGTERM at their defaults and no signal blocked,
// in a process group of its own, so that a timeout or a stop kills what it started as well.
//
// Its stdout is read up to a bound (more ends the run), its stderr is kept up to a bound of its
// own and the rest is read and dropped, and the run ends when the program has exited and both
// pipes are closed, or at the timeout, or when `stop` is requested: then the whole process group
// gets SIGKILL. The program is always waited for (no zombie is left).
//
// Nothing the program writes goes into an Error here: what its output means, and whether any of
// it may be shown, is the caller's decision (it may hold secrets). Errors name no argument
// either (arguments may be secrets); the caller adds the program's name.
//
// Blocking: call it on a worker thread of its own, never on an engine loop thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tdump::store {

struct ChildCommand {
  std::vector<std::string> argv;                // argv[0] is the program
  bool search_path = false;                     // posix_spawnp: a program without '/' is looked up on PATH
  std::optional<std::vector<std::string>> env;  // "NAME=value" each; nullopt: this process's environment
  std::chrono::milliseconds timeout{0};         // from the start; the program is killed after it
  std::size_t max_stdout = 0;                   // more than this ends the run (kOutputTooLarge)
  std::size_t max_stderr = 0;                   // kept; the rest is read and dropped (0: all dropped)
};

enum class ChildEnd : std::uint8_t {
  kExited,          // it ran to its end: wait_status says how (an exit code or a signal)
  kNotStarted,      // posix_spawn failed: error_number
  kTimedOut,        // still running (or its pipes still open) at the timeout: killed
  kStopped,         // `stop` was requested: killed
  kOutputTooLarge,  // wrote more than max_stdout bytes to stdout: killed
  kWatchFailed,     // poll failed (error_number): killed
};

struct ChildOutcome {
  ChildEnd end = ChildEnd::kNotStarted;
  int error_number = 0;  // errno for kNotStarted and kWatchFailed
  int wait_status = 0;   // waitpid's status, when it was started
  std::string out;       // stdout, at most max_stdout bytes
  std::string err;       // the first max_stderr bytes of stderr

  // kExited and the program called exit (not killed by a signal).
  [[nodiscard]] bool exited() const;
  // Its exit code when exited(); else -1.
  [[nodiscard]] int exit_code() const;
  // The signal that ended it when it was started and killed by one; else 0.
  [[nodiscard]] int signal() const;
};

// Runs `command` as described above. An Error only when it could not be set up (no argv, no pipe,
// no eventfd); every other end, including a failed spawn, is a ChildOutcome.
[[nodiscard]] Result<ChildOutcome> run_bounded(const ChildCommand& command, const std::stop_token& stop);

// The text of an errno value (thread-safe).
[[nodiscard]] std::string os_error_text(int error_number);

}  // namespace tdump::store
