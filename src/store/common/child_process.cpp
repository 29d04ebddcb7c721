// run_bounded: see child_process.hpp. posix_spawn and its attributes are POSIX.1-2017
// (<spawn.h>); pidfd_open(2) and eventfd(2) are Linux (the pidfd turns "the child exited" into a
// readable descriptor, so one poll(2) waits for the pipes, the exit, the stop and the deadline).
#include "store/common/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace tdump::store {
namespace {

// A file descriptor closed on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Result<Pipe> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return make_error(ErrorCode::kIo, "pipe2 failed: " + os_error_text(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// A null-terminated array of pointers into `words` (which must outlive it), as posix_spawn
// takes argv and envp.
std::vector<char*> c_strings(const std::vector<std::string>& words) {
  std::vector<char*> out;
  out.reserve(words.size() + 1);
  for (const auto& word : words) out.push_back(const_cast<char*>(word.c_str()));  // NOLINT: posix_spawn's signature
  out.push_back(nullptr);
  return out;
}

// posix_spawn attributes and file actions for the child, released on scope exit.
class SpawnSetup {
 public:
  SpawnSetup(int out_fd, int err_fd) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions_, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions_, err_fd, 2);
    posix_spawnattr_init(&attributes_);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes_, &defaults);
    posix_spawnattr_setsigmask(&attributes_, &none);
    posix_spawnattr_setpgroup(&attributes_, 0);  // a group of its own, led by the child
    posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  [[nodiscard]] const posix_spawn_file_actions_t* actions() const { return &actions_; }
  [[nodiscard]] const posix_spawnattr_t* attributes() const { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
};

}  // namespace

std::string os_error_text(int error_number) {
  return std::system_category().message(error_number);  // strerror's text without its shared buffer
}

bool ChildOutcome::exited() const {
  return end == ChildEnd::kExited && WIFEXITED(wait_status);
}

int ChildOutcome::exit_code() const {
  return exited() ? WEXITSTATUS(wait_status) : -1;
}

int ChildOutcome::signal() const {
  return end != ChildEnd::kNotStarted && WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
}

Result<ChildOutcome> run_bounded(const ChildCommand& command, const std::stop_token& stop) {
  if (command.argv.empty()) return make_error(ErrorCode::kInvalidArgument, "no program to run");
  auto out_pipe = make_pipe();
  if (!out_pipe) return std::move(out_pipe).error();
  auto err_pipe = make_pipe();
  if (!err_pipe) return std::move(err_pipe).error();
  // Readable once `stop` is requested (the callback runs at once when it already is).
  Fd stop_fd;
  if (stop.stop_possible()) {
    stop_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (stop_fd.get() < 0) return make_error(ErrorCode::kIo, "eventfd failed: " + os_error_text(errno));
  }
  std::stop_callback on_stop(stop, [fd = stop_fd.get()] {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
  });

  ChildOutcome outcome;
  pid_t pid = -1;
  {
    const SpawnSetup setup(out_pipe->write.get(), err_pipe->write.get());
    const auto argv = c_strings(command.argv);
    const auto env = command.env ? c_strings(*command.env) : std::vector<char*>{};
    char* const* envp = command.env ? env.data() : environ;
    const int spawned = command.search_path
                            ? ::posix_spawnp(&pid, argv[0], setup.actions(), setup.attributes(), argv.data(), envp)
                            : ::posix_spawn(&pid, argv[0], setup.actions(), setup.attributes(), argv.data(), envp);
    if (spawned != 0) {
      outcome.end = ChildEnd::kNotStarted;
      outcome.error_number = spawned;
      return outcome;
    }
  }
  out_pipe->write.reset();  // the child holds the write ends now: EOF comes when it (and its own) close them
  err_pipe->write.reset();
  Fd process(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));  // readable once the child exits

  outcome.end = ChildEnd::kExited;
  bool out_open = true;
  bool err_open = true;
  bool exited = process.get() < 0;  // without a pidfd: wait for the pipes, then waitpid
  const auto deadline = std::chrono::steady_clock::now() + command.timeout;
  std::array<char, 8192> buffer{};
  while (outcome.end == ChildEnd::kExited && (out_open || err_open || !exited)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      outcome.end = ChildEnd::kTimedOut;
      break;
    }
    // poll skips entries with a negative fd: what is closed or finished is not watched.
    std::array<pollfd, 4> fds = {pollfd{out_open ? out_pipe->read.get() : -1, POLLIN, 0},
                                 pollfd{err_open ? err_pipe->read.get() : -1, POLLIN, 0},
                                 pollfd{exited ? -1 : process.get(), POLLIN, 0}, pollfd{stop_fd.get(), POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<std::int64_t>(left, 60'000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      outcome.end = ChildEnd::kWatchFailed;
      outcome.error_number = errno;
      break;
    }
    if (fds[3].revents != 0) {
      outcome.end = ChildEnd::kStopped;
      break;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      const std::string_view chunk(buffer.data(), static_cast<std::size_t>(got));
      if (i == 0) {
        if (outcome.out.size() + chunk.size() > command.max_stdout) {
          outcome.end = ChildEnd::kOutputTooLarge;
          break;
        }
        outcome.out.append(chunk);
      } else if (outcome.err.size() < command.max_stderr) {
        outcome.err.append(chunk.substr(0, command.max_stderr - outcome.err.size()));
      }
    }
    if (fds[2].revents != 0) exited = true;
  }
  if (outcome.end != ChildEnd::kExited) ::kill(-pid, SIGKILL);  // the whole group: what it started too
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.wait_status = status;
  return outcome;
}

}  // namespace tdump::store
