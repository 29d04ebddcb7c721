// credential_process (AWS SDKs and Tools Reference Guide, "Process credential provider"): the
// profile names a program and its arguments; the program writes a JSON document to stdout
// ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?}) and exits 0.
//
// The command line is split into words as the guide documents (split_command_line) and the
// program is started by run_bounded (store/common/child_process.hpp: posix_spawnp, without a
// shell, stdin from /dev/null, in its own process group). Its stdout is read up to
// process_output_limit bytes, its stderr is read and dropped (it may hold secrets: the guide
// warns tools not to write them there, and we do not rely on it), and it is killed (the whole
// group) when it runs longer than process_timeout. It runs on one worker thread of its own,
// never on the caller's thread (which may be an engine loop).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stop_token>
#include <thread>

#include "store/common/child_process.hpp"
#include "store/s3/aws_credential_sources.hpp"

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

// Runs argv to completion within the bounds; its stderr is read and dropped. Messages name the
// program only (arguments may be secrets).
Result<ChildOutcome> run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                 std::size_t output_limit) {
  const std::string what = "credential_process '" + argv.front() + "'";
  ChildCommand command;
  command.argv = argv;
  command.search_path = true;
  command.timeout = timeout;
  command.max_stdout = output_limit;
  command.max_stderr = 0;  // it may hold secrets: never kept
  auto outcome = run_bounded(command, std::stop_token{});
  if (!outcome) return make_error(outcome.error().code, what + ": " + outcome.error().message);
  switch (outcome->end) {
    case ChildEnd::kExited:
      return outcome;
    case ChildEnd::kNotStarted:
      return make_error(ErrorCode::kPermissionDenied,
                        what + " could not be started: " + os_error_text(outcome->error_number));
    case ChildEnd::kOutputTooLarge:
      return make_error(ErrorCode::kLimit,
                        what + " wrote more than " + std::to_string(output_limit) + " bytes to stdout; it was stopped");
    case ChildEnd::kWatchFailed:
      return make_error(ErrorCode::kIo, what + " could not be watched (poll failed: " +
                                            os_error_text(outcome->error_number) + "); it was stopped");
    case ChildEnd::kTimedOut:
    case ChildEnd::kStopped:  // no stop token is passed: not reached
      break;
  }
  return make_error(ErrorCode::kPermissionDenied,
                    what + " did not finish within " + std::to_string(timeout.count()) + " ms; it was stopped");
}

}  // namespace

void fetch_process(const AwsCredentialPlan& plan, FetchDone done) {
  ProcessWorker::instance().post([command = plan.process_command, timeout = plan.process_timeout,
                                  limit = plan.process_output_limit, done = std::move(done)] {
    if (command.empty()) return done(make_error(ErrorCode::kInvalidArgument, "credential_process is empty"));
    const std::string what = "credential_process '" + command.front() + "'";
    auto outcome = run_process(command, timeout, limit);
    if (!outcome) return done(std::move(outcome).error());
    if (outcome->exit_code() != 0) {
      std::string how = outcome->exited() ? "exited with status " + std::to_string(outcome->exit_code())
                                          : "was killed by signal " + std::to_string(outcome->signal());
      return done(make_error(ErrorCode::kPermissionDenied,
                             what + " " + how + " (its standard error is not shown: it may hold secrets)"));
    }
    done(parse_json_credentials(outcome->out, what, false, true));
  });
}

}  // namespace aws
}  // namespace tdump::store
