// credential_process (AWS SDKs and Tools Reference Guide, "Process credential provider"): the
// profile names a program and its arguments; the program writes a JSON document to stdout
// ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}) and exits 0.
//
// The command line is split into words as the guide documents (split_command_line) and the
// program is started with posix_spawnp, without a shell, stdin from /dev/null, in its own process
// group. Its stdout is read up to process_output_limit bytes, its stderr is read and dropped (it
// may hold secrets: the guide warns tools not to write them there, and we do not rely on it), and
// it is killed (the whole group) when it runs longer than process_timeout. It runs on one worker
// thread of its own, never on the caller's thread (which may be an engine loop).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stop_token>
#include <thread>

#include "store/s3/aws_credential_sources.hpp"

extern char** environ;  // NOLINT: POSIX

namespace tdump::store {

Result<std::vector<std::string>> split_command_line(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;  // '\'' or '"' while inside quotes
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < command.size() &&
                 (command[i + 1] == '"' || command[i + 1] == '\\' || command[i + 1] == '$' || command[i + 1] == '`')) {
        word += command[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < command.size()) {
      word += command[++i];
    } else {
      word += c;
    }
  }
  if (quote != 0) return make_error(ErrorCode::kInvalidArgument, "credential_process has an unbalanced quote");
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return make_error(ErrorCode::kInvalidArgument, "credential_process is empty");
  return words;
}

namespace aws {
namespace {

// One thread for every credential_process of the process, created on first use and never
// destroyed (a job's `done` may drop the last reference to the provider that owns nothing of
// this worker; a worker owned by a provider could end up joining itself).
class ProcessWorker {
 public:
  static ProcessWorker& instance() {
    static ProcessWorker* const kWorker = new ProcessWorker();  // NOLINT(cppcoreguidelines-owning-memory)
    return *kWorker;
  }

  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

 private:
  ProcessWorker() : thread_([this](const std::stop_token& stop) { run(stop); }) {}

  void run(const std::stop_token& stop) {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        if (!wake_.wait(lock, stop, [this] { return !jobs_.empty(); })) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  std::jthread thread_;                     // the worker; runs the jobs one at a time
};

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::string errno_text(int err) {
  std::array<char, 128> buffer{};
  return strerror_r(err, buffer.data(), buffer.size());
}

struct ProcessOutcome {
  std::string out;
  int status = 0;  // waitpid status
};

// Runs argv to completion within the bounds. Messages name the program only (arguments may be
// secrets).
Result<ProcessOutcome> run_bounded(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                   std::size_t output_limit) {
  const std::string what = "credential_process '" + argv.front() + "'";
  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0)
    return make_error(ErrorCode::kIo, what + ": pipe: " + errno_text(errno));
  Fd out_read(out_pipe[0]);
  Fd out_write(out_pipe[1]);
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0)
    return make_error(ErrorCode::kIo, what + ": pipe: " + errno_text(errno));
  Fd err_read(err_pipe[0]);
  Fd err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  sigaddset(&default_signals, SIGINT);
  sigaddset(&default_signals, SIGTERM);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));  // NOLINT: posix_spawn's signature
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return make_error(ErrorCode::kPermissionDenied, what + " could not be started: " + errno_text(spawned));
  }
  out_write.reset();
  err_write.reset();
  Fd process(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));  // readable once the child exits

  ProcessOutcome outcome;
  std::string error_text;
  bool out_open = true;
  bool err_open = true;
  bool exited = process.get() < 0;  // without a pidfd: wait for the pipes, then waitpid
  bool too_much = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<char, 4096> buffer{};
  while (out_open || err_open || !exited) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    int out_index = -1;
    int err_index = -1;
    int process_index = -1;
    if (out_open) {
      out_index = static_cast<int>(n);
      fds[n++] = {out_read.get(), POLLIN, 0};
    }
    if (err_open) {
      err_index = static_cast<int>(n);
      fds[n++] = {err_read.get(), POLLIN, 0};
    }
    if (!exited) {
      process_index = static_cast<int>(n);
      fds[n++] = {process.get(), POLLIN, 0};
    }
    const int ready = ::poll(fds.data(), n, static_cast<int>(std::min<std::int64_t>(left, 60'000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto drain = [&](int index, Fd& fd, bool& open, std::string* into, std::size_t keep) {
      if (index < 0 || fds[static_cast<std::size_t>(index)].revents == 0) return;
      const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
      if (got <= 0) {
        open = false;
        return;
      }
      if (into != nullptr) {
        if (into->size() + static_cast<std::size_t>(got) > keep) {
          too_much = true;
          return;
        }
        into->append(buffer.data(), static_cast<std::size_t>(got));
      }
    };
    drain(out_index, out_read, out_open, &outcome.out, output_limit);
    drain(err_index, err_read, err_open, nullptr, 0);  // read and dropped
    if (too_much) break;
    if (process_index >= 0 && fds[static_cast<std::size_t>(process_index)].revents != 0) exited = true;
  }
  const bool finished = !out_open && !err_open && exited && !too_much;
  if (!finished) ::kill(-pid, SIGKILL);  // the whole process group: helpers it started too
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  outcome.status = status;
  if (too_much) {
    return make_error(ErrorCode::kLimit,
                      what + " wrote more than " + std::to_string(output_limit) + " bytes to stdout; it was stopped");
  }
  if (!finished) {
    return make_error(ErrorCode::kPermissionDenied,
                      what + " did not finish within " + std::to_string(timeout.count()) + " ms; it was stopped");
  }
  return outcome;
}

}  // namespace

void fetch_process(const AwsCredentialPlan& plan, FetchDone done) {
  ProcessWorker::instance().post([command = plan.process_command, timeout = plan.process_timeout,
                                  limit = plan.process_output_limit, done = std::move(done)] {
    if (command.empty()) return done(make_error(ErrorCode::kInvalidArgument, "credential_process is empty"));
    const std::string what = "credential_process '" + command.front() + "'";
    auto outcome = run_bounded(command, timeout, limit);
    if (!outcome) return done(std::move(outcome).error());
    if (!WIFEXITED(outcome->status) || WEXITSTATUS(outcome->status) != 0) {
      std::string how = WIFEXITED(outcome->status)
                            ? "exited with status " + std::to_string(WEXITSTATUS(outcome->status))
                            : "was killed by signal " + std::to_string(WTERMSIG(outcome->status));
      return done(make_error(ErrorCode::kPermissionDenied,
                             what + " " + how + " (its standard error is not shown: it may hold secrets)"));
    }
    done(parse_json_credentials(outcome->out, what, false, true));
  });
}

}  // namespace aws
}  // namespace tdump::store
