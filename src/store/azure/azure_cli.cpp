// The Azure CLI as a token source: `az account get-access-token --resource https://storage.azure.com
// --output json` (Azure CLI reference, "az account get-access-token") prints
// {"accessToken", "expiresOn" (local time), "expires_on" (Unix seconds, az >= 2.54),
//  "subscription", "tenant", "tokenType"}.
// The program is started by run_bounded (store/common/child_process.hpp: posix_spawn, no shell:
// fixed arguments, nothing to quote; stdin from /dev/null; its own process group, so a timeout
// or a stop kills what it started too). It runs on a worker thread owned by the source (never on
// an engine loop thread: az takes a second or more), at most `cli_timeout`, stdout capped at
// 64 KiB; stderr is shown (first line, 200 characters, token-like runs removed) when it fails.
#include <nlohmann/json.hpp>

#include <charconv>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <stop_token>
#include <thread>

#include "store/azure/azure_credentials.hpp"
#include "store/common/child_process.hpp"
#include "store/common/oauth_token.hpp"

namespace tdump::store {
namespace {

constexpr std::size_t kStdoutCap = std::size_t{64} * 1024;
constexpr std::size_t kStderrKeep = std::size_t{4} * 1024;

std::string first_line(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == '\r' || text.front() == ' ')) text.remove_prefix(1);
  return std::string(text.substr(0, text.find('\n')));
}

// Runs az to completion, or until `timeout` or `stop` (then its process group is killed).
Result<ChildOutcome> run_az(const std::string& az_path, std::chrono::milliseconds timeout,
                            const std::stop_token& stop) {
  ChildCommand command;
  command.argv = {az_path,    "account", "get-access-token", "--resource", std::string(kAzureStorageResource),
                  "--output", "json"};
  command.timeout = timeout;
  command.max_stdout = kStdoutCap;
  command.max_stderr = kStderrKeep;
  auto outcome = run_bounded(command, stop);
  if (!outcome) return std::move(outcome).error();
  std::string failure;
  switch (outcome->end) {
    case ChildEnd::kExited:
      return outcome;
    case ChildEnd::kNotStarted:
      return make_error(ErrorCode::kIo,
                        "cannot start the Azure CLI '" + az_path + "': " + os_error_text(outcome->error_number));
    case ChildEnd::kTimedOut:
      failure = "did not finish within " + std::to_string(timeout.count()) + " ms";
      break;
    case ChildEnd::kStopped:
      failure = "was stopped (the store is closing)";
      break;
    case ChildEnd::kOutputTooLarge:
      failure = "wrote more than " + std::to_string(kStdoutCap) + " bytes";
      break;
    case ChildEnd::kWatchFailed:
      failure = "could not be watched: poll failed: " + os_error_text(outcome->error_number);
      break;
  }
  return make_error(ErrorCode::kNetwork, "the Azure CLI " + failure);
}

Result<Expiring<BearerCredential>> token_from_az(const std::string& az_path, std::chrono::milliseconds timeout,
                                                 const std::stop_token& stop) {
  auto output = run_az(az_path, timeout, stop);
  if (!output) return std::move(output).error();
  const int exit_code = output->exited() ? output->exit_code() : 128 + output->signal();
  if (exit_code != 0) {
    std::string message =
        "the Azure CLI failed (`az account get-access-token` exited with " + std::to_string(exit_code) + ")";
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
