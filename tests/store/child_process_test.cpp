// run_bounded (src/store/common/child_process.hpp) with real children: /bin/sh scripts that
// write past the bound, outlive the timeout (with a grandchild in their process group), exit
// non-zero, die by a signal, write to stderr, or read stdin. Nothing here asserts how long
// anything took; the timeouts only decide which end a run has.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>

#include "store/common/child_process.hpp"

namespace tdump::store {
namespace {

using namespace std::chrono_literals;

ChildCommand shell(const std::string& script, std::chrono::milliseconds timeout = 60s) {
  ChildCommand command;
  command.argv = {"/bin/sh", "-c", script};
  command.timeout = timeout;
  command.max_stdout = 1024;
  command.max_stderr = 64;
  return command;
}

// True when the process `pid` (not our child) has ended: its pidfd turns readable when it exits.
// Waits up to a minute, a bound for a wedged test rather than a speed assertion.
bool ended(pid_t pid) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;  // already gone (and reaped)
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, 60'000);
  ::close(fd);
  return ready == 1;
}

TEST(ChildProcess, ExitsZeroWithStdoutAndStderr) {
  auto r = run_bounded(shell("printf 'out text'; printf 'err text' >&2"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_TRUE(r->exited());
  EXPECT_EQ(r->exit_code(), 0);
  EXPECT_EQ(r->signal(), 0);
  EXPECT_EQ(r->out, "out text");
  EXPECT_EQ(r->err, "err text");
}

TEST(ChildProcess, NonZeroExitIsAnOutcomeNotAnError) {
  auto r = run_bounded(shell("printf partial; exit 7"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_TRUE(r->exited());
  EXPECT_EQ(r->exit_code(), 7);
  EXPECT_EQ(r->out, "partial");
}

TEST(ChildProcess, DeathBySignalIsReported) {
  // SIGTERM is reset to its default in the child, whatever this process does with it.
  auto r = run_bounded(shell("kill -TERM $$; sleep 60"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_FALSE(r->exited());
  EXPECT_EQ(r->exit_code(), -1);
  EXPECT_EQ(r->signal(), SIGTERM);
}

TEST(ChildProcess, StdoutOverTheBoundEndsTheRun) {
  // 1 MiB to a 1 KiB bound; the child would block on the full pipe without the kill.
  auto r = run_bounded(shell("head -c 1048576 /dev/zero; sleep 60"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kOutputTooLarge);
  EXPECT_LE(r->out.size(), 1024U);
  EXPECT_EQ(r->signal(), SIGKILL);
}

TEST(ChildProcess, StdoutExactlyAtTheBoundIsKept) {
  auto r = run_bounded(shell("head -c 1024 /dev/zero"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_EQ(r->out.size(), 1024U);
}

TEST(ChildProcess, StderrOverItsBoundIsCutAndDrained) {
  // 1 MiB of stderr: more than a pipe holds, so the child finishes only if it is drained.
  auto r =
      run_bounded(shell("printf 'first line\\n' >&2; head -c 1048576 /dev/zero | tr '\\0' x >&2; printf done"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_EQ(r->exit_code(), 0);
  EXPECT_EQ(r->out, "done");
  ASSERT_EQ(r->err.size(), 64U);
  EXPECT_EQ(r->err.substr(0, 11), "first line\n");
}

TEST(ChildProcess, StderrDroppedWhenNothingIsKept) {
  auto command = shell("printf secret >&2; printf ok");
  command.max_stderr = 0;
  auto r = run_bounded(command, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "ok");
  EXPECT_TRUE(r->err.empty());
}

TEST(ChildProcess, TimeoutKillsTheChildAndItsProcessGroup) {
  // The grandchild holds the pipes open too; both are in the child's process group.
  auto r = run_bounded(shell("sleep 600 & echo $!; exec sleep 600", 1500ms), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kTimedOut);
  EXPECT_EQ(r->signal(), SIGKILL);  // the child itself (waited for by run_bounded)
  ASSERT_FALSE(r->out.empty()) << "the script did not report its grandchild";
  const pid_t grandchild = std::stoi(r->out);
  ASSERT_GT(grandchild, 1);
  EXPECT_TRUE(ended(grandchild));
}

TEST(ChildProcess, TimeoutWhenTheChildClosesItsPipesButKeepsRunning) {
  auto r = run_bounded(shell("exec >&- 2>&-; exec sleep 600", 500ms), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kTimedOut);
  EXPECT_EQ(r->signal(), SIGKILL);
}

TEST(ChildProcess, StopKillsTheChild) {
  std::stop_source source;
  std::jthread stopper([&source] {
    std::this_thread::sleep_for(200ms);
    source.request_stop();
  });
  auto r = run_bounded(shell("exec sleep 600"), source.get_token());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kStopped);
  EXPECT_EQ(r->signal(), SIGKILL);
}

TEST(ChildProcess, StopAlreadyRequestedEndsAtOnce) {
  std::stop_source source;
  source.request_stop();
  auto r = run_bounded(shell("exec sleep 600"), source.get_token());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kStopped);
}

TEST(ChildProcess, StdinIsDevNull) {
  auto r = run_bounded(shell("cat; printf end"), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_EQ(r->out, "end");
}

TEST(ChildProcess, EnvironmentReplacedWhenGiven) {
  auto command = shell("printf '%s|%s' \"$TDUMP_CHILD_TEST\" \"${HOME-unset}\"");
  command.env = std::vector<std::string>{"TDUMP_CHILD_TEST=given"};
  auto r = run_bounded(command, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "given|unset");
}

TEST(ChildProcess, SearchPathFindsAProgramByName) {
  ChildCommand command;
  command.argv = {"sh", "-c", "printf found"};
  command.timeout = 60s;
  command.max_stdout = 64;
  command.search_path = true;
  auto r = run_bounded(command, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kExited);
  EXPECT_EQ(r->out, "found");

  command.search_path = false;  // a bare name is then a path relative to the working directory
  command.argv[0] = "no-such-program-tdump";
  r = run_bounded(command, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kNotStarted);
  EXPECT_EQ(r->error_number, ENOENT);
  EXPECT_EQ(r->signal(), 0);
  EXPECT_EQ(r->exit_code(), -1);
}

TEST(ChildProcess, MissingProgramIsNotStarted) {
  ChildCommand command;
  command.argv = {"/nonexistent/tdump-helper"};
  command.timeout = 60s;
  auto r = run_bounded(command, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->end, ChildEnd::kNotStarted);
  EXPECT_EQ(r->error_number, ENOENT);
  EXPECT_FALSE(os_error_text(r->error_number).empty());
}

TEST(ChildProcess, EmptyArgvIsAnError) {
  auto r = run_bounded(ChildCommand{}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tdump::store
