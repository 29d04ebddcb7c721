// The test harness itself: if these fail, every integration test result is meaningless.
#include <gtest/gtest.h>

#include "duckdb.hpp"
#include "net.hpp"
#include "process.hpp"
#include "servers.hpp"

namespace tdump::testing {
namespace {

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Process, FeedsStdin) {
  auto r = run_command({"wc", "-c"}, {}, std::string(100000, 'x'));
  EXPECT_EQ(std::stoi(r.out), 100000);
}

TEST(DuckDb, AnswersSql) {
  auto rows = duckdb_query("SELECT 40 + 2 AS answer, 'é' AS s");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["answer"], 42);
  EXPECT_EQ(rows[0]["s"], "é");
}

TEST(Nginx, ServesRanges) {
  NginxServer nginx;
  std::string content(1000, 'a');
  content[10] = 'Z';
  write_file(nginx.root() / "f.bin", content);
  auto r = simple_http("GET", nginx.port(), "/f.bin", {}, "Range: bytes=10-19\r\n");
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "Zaaaaaaaaa");
}

}  // namespace
}  // namespace tdump::testing
