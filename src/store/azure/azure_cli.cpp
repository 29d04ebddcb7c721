// The Azure CLI as a token source: `az account get-access-token --resource https://storage.azure.com
// --output json` (Azure CLI reference, "az account get-access-token") prints
// {"accessToken", "expiresOn" (local time), "expires_on" (Unix seconds, az >= 2.54),
//  "subscription", "tenant", "tokenType"}.
// The program is started with posix_spawn (no shell: fixed arguments, nothing to quote), stdin
// from /dev/null, in its own process group so a timeout kills what it started too. It runs on a
// worker thread owned by the source (never on an engine loop thread: az takes a second or more),
// at most `cli_timeout`, stdout capped at 64 KiB; stderr is shown (first line, 200 characters,
// token-like runs removed) when it fails.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>

#include "store/azure/azure_credentials.hpp"
#include "store/common/oauth_token.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace tdump::store {
namespace {

constexpr std::size_t kStdoutCap = std::size_t{64} * 1024;
constexpr std::size_t kStderrKeep = std::size_t{4} * 1024;

// std::system_category().message is strerror's text without strerror's shared buffer.
std::string os_error(int err) {
  return std::system_category().message(err);
}

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
    return make_error(ErrorCode::kIo, std::string("pipe2 failed: ") + os_error(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

std::string first_line(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == '\r' || text.front() == ' ')) text.remove_prefix(1);
  return std::string(text.substr(0, text.find('\n')));
}

struct CliOutput {
  std::string out;
  std::string err;
  int exit_code = -1;
};

// Runs az to completion, or until `timeout` or `stop`; kills its process group otherwise.
Result<CliOutput> run_az(const std::string& az_path, std::chrono::milliseconds timeout, const std::stop_token& stop) {
  auto out_pipe = make_pipe();
  if (!out_pipe) return std::move(out_pipe).error();
  auto err_pipe = make_pipe();
  if (!err_pipe) return std::move(err_pipe).error();
  Fd stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (stop_fd.get() < 0) return make_error(ErrorCode::kIo, std::string("eventfd failed: ") + os_error(errno));
  std::stop_callback on_stop(stop, [fd = stop_fd.get()] {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
  });

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe->write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe->write.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  const std::array<std::string, 7> args = {
      az_path, "account", "get-access-token", "--resource", std::string(kAzureStorageResource), "--output", "json"};
  std::array<char*, args.size() + 1> argv{};
  for (std::size_t i = 0; i < args.size(); ++i) argv[i] = const_cast<char*>(args[i].c_str());  // NOLINT
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, az_path.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out_pipe->write.reset();
  err_pipe->write.reset();
  if (spawned != 0) {
    return make_error(ErrorCode::kIo, "cannot start the Azure CLI '" + az_path + "': " + os_error(spawned));
  }

  CliOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true;
  bool err_open = true;
  std::string failure;
  std::array<char, 8192> buffer{};
  while (out_open || err_open) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = "did not finish within " + std::to_string(timeout.count()) + " ms";
      break;
    }
    std::array<pollfd, 3> fds = {pollfd{out_open ? out_pipe->read.get() : -1, POLLIN, 0},
                                 pollfd{err_open ? err_pipe->read.get() : -1, POLLIN, 0},
                                 pollfd{stop_fd.get(), POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      failure = std::string("poll failed: ") + os_error(errno);
      break;
    }
    if (fds[2].revents != 0) {
      failure = "was stopped (the store is closing)";
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      const std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
      if (i == 0) {
        if (result.out.size() + chunk.size() > kStdoutCap) {
          failure = "wrote more than " + std::to_string(kStdoutCap) + " bytes";
          break;
        }
        result.out.append(chunk);
      } else if (result.err.size() < kStderrKeep) {
        result.err.append(chunk.substr(0, kStderrKeep - result.err.size()));
      }
    }
    if (!failure.empty()) break;
  }
  if (!failure.empty()) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!failure.empty()) return make_error(ErrorCode::kNetwork, "the Azure CLI " + failure);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return result;
}

Result<Expiring<BearerCredential>> token_from_az(const std::string& az_path, std::chrono::milliseconds timeout,
                                                 const std::stop_token& stop) {
  auto output = run_az(az_path, timeout, stop);
  if (!output) return std::move(output).error();
  if (output->exit_code != 0) {
    std::string message =
        "the Azure CLI failed (`az account get-access-token` exited with " + std::to_string(output->exit_code) + ")";
    std::string line = redact_secrets(first_line(output->err), 200);
    if (!line.empty()) message += ": " + line;
    return make_error(ErrorCode::kPermissionDenied, message);
  }
  return parse_azure_cli_token(output->out);
}

// One worker thread per CLI source; fetches are single-flight, so the queue holds one at most.
class AzureCliRunner {
 public:
  AzureCliRunner(std::string az_path, std::chrono::milliseconds timeout) : state_(std::make_shared<State>()) {
    worker_ = std::jthread([state = state_, az_path = std::move(az_path), timeout](const std::stop_token& stop) {
      while (true) {
        AzureFetchDone job;
        {
          std::unique_lock lock(state->mutex);
          if (!state->ready.wait(lock, stop, [&] { return !state->queue.empty(); })) return;
          job = std::move(state->queue.front());
          state->queue.pop_front();
        }
        job(token_from_az(az_path, timeout, stop));
      }
    });
  }
  AzureCliRunner(const AzureCliRunner&) = delete;
  AzureCliRunner& operator=(const AzureCliRunner&) = delete;
  ~AzureCliRunner() {
    // The last owner may let go from the worker itself (inside job()): the worker then ends on
    // its own after the job (it holds `state`), and must not join itself.
    if (worker_.get_id() == std::this_thread::get_id()) {
      worker_.request_stop();
      worker_.detach();
    }
  }

  void submit(AzureFetchDone done) {
    {
      std::lock_guard lock(state_->mutex);
      state_->queue.push_back(std::move(done));
    }
    state_->ready.notify_one();
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable_any ready;
    std::deque<AzureFetchDone> queue;  // guarded by mutex
  };
  std::shared_ptr<State> state_;  // shared with the worker
  std::jthread worker_;           // joined (after a stop request) by its destructor
};

}  // namespace

Result<Expiring<BearerCredential>> parse_azure_cli_token(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  constexpr std::string_view kWhat = "the Azure CLI's answer";
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kParse, std::string(kWhat) + " is not a JSON object");
  }
  auto token = json.find("accessToken");
  if (token == json.end() || !token->is_string() || !is_header_safe_token(token->get_ref<const std::string&>())) {
    return make_error(ErrorCode::kParse, std::string(kWhat) + " has no usable accessToken");
  }
  if (auto type = json.find("tokenType"); type != json.end() && type->is_string()) {
    std::string lower;
    for (char c : type->get_ref<const std::string&>())
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "bearer") return make_error(ErrorCode::kParse, std::string(kWhat) + " is not a bearer token");
  }
  Expiring<BearerCredential> out{BearerCredential{token->get<std::string>()}, std::nullopt};
  if (auto on = json.find("expires_on"); on != json.end()) {
    std::int64_t seconds = 0;
    bool ok = false;
    if (on->is_number_integer()) {
      seconds = on->get<std::int64_t>();
      ok = true;
    } else if (on->is_string()) {
      const auto& s = on->get_ref<const std::string&>();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
      ok = ec == std::errc{} && end == s.data() + s.size();
    }
    if (ok) out.expires = credential_time(std::chrono::seconds(seconds));
  }
  if (!out.expires) {
    auto on = json.find("expiresOn");
    if (on == json.end() || !on->is_string())
      return make_error(ErrorCode::kParse, std::string(kWhat) + " has no expiry");
    std::tm tm{};
    const char* end = ::strptime(on->get_ref<const std::string&>().c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (end == nullptr) return make_error(ErrorCode::kParse, std::string(kWhat) + " has an unreadable expiresOn");
    tm.tm_isdst = -1;  // local time, whatever the season
    const std::time_t seconds = std::mktime(&tm);
    if (seconds == static_cast<std::time_t>(-1)) {
      return make_error(ErrorCode::kParse, std::string(kWhat) + " has an unreadable expiresOn");
    }
    out.expires = credential_time(std::chrono::seconds(seconds));  // year 9999 would overflow from_time_t
  }
  return out;
}

std::function<void(AzureFetchDone)> make_azure_cli_fetch(const AzureTokenSource& source) {
  auto runner = std::make_shared<AzureCliRunner>(source.az_path, source.cli_timeout);
  return [runner](AzureFetchDone done) { runner->submit(std::move(done)); };
}

}  // namespace tdump::store
