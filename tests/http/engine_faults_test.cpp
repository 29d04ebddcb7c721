// The engine behind our fault-injecting proxy (tests/fault_proxy) in front of a real nginx:
// resets, 503 SlowDown bursts with Retry-After, stalls past the timeout, truncated bodies,
// refused connections. Each fault is scripted per path so outcomes are deterministic; the
// proxy's own request count checks the attempts the engine reports.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "fault_proxy.hpp"
#include "http/engine.hpp"
#include "http_test_helpers.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::http {
namespace {

using nlohmann::json;
using tdump::testing::FaultProxy;
using tdump::testing::NginxServer;
using namespace tdump::http::testing;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kFileSize = 200'000;

// Every test runs twice: through libcurl, and through the loop's own HTTP/1.1 path (own_http1).
class EngineFaults : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    server = new NginxServer();
    content = new std::string(random_bytes(kFileSize, 5));
    for (const char* name : {"a.bin", "b.bin", "c.bin"}) tdump::testing::write_file(server->root() / name, *content);
    proxy = new FaultProxy(server->port());
  }
  static void TearDownTestSuite() {
    delete proxy;
    delete server;
    delete content;
  }
  void SetUp() override { proxy->clear(); }

  [[nodiscard]] std::unique_ptr<Engine> engine(ClientConfig config = fast_retry_config()) const {
    config.own_http1 = GetParam();
    auto created = Engine::create(config);
    EXPECT_TRUE(created.ok());
    return std::move(created).value();
  }
  static std::string url(const std::string& path) { return proxy->base_url() + path; }
  static Request get_range(const std::string& path, std::uint64_t offset = 1000, std::uint64_t length = 16384) {
    return range_get(url(path), offset, length);
  }
  // A vector, not a json: `json{one_rule}` is an array under g++ but a copy under clang.
  static void rules(const std::vector<json>& list) { proxy->set_rules(json(list)); }
  static json rule(const std::string& path, const std::string& action, int times, const json& extra = json::object()) {
    json r = {{"path", path}, {"action", action}, {"times", times}};
    r.update(extra);
    return r;
  }

  static inline NginxServer* server = nullptr;
  static inline FaultProxy* proxy = nullptr;
  static inline std::string* content = nullptr;
};

TEST_P(EngineFaults, ResetsAreRetriedUntilSuccess) {
  rules({rule("/a.bin", "reset", 2)});
  auto http = engine();
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result->status, 206);
  EXPECT_TRUE(same_bytes(result->body, content->substr(1000, 16384)));
  EXPECT_EQ(result->attempts, 3U);
  EXPECT_EQ(proxy->hits("/a.bin"), 3);
  const auto stats = http->stats();
  EXPECT_EQ(stats.retries, 2U);
  EXPECT_EQ(stats.attempts, 3U);
  EXPECT_EQ(stats.requests, 1U);
}

TEST_P(EngineFaults, ClosedWithoutAnswerIsRetried) {
  rules({rule("/a.bin", "close", 1)});
  auto http = engine();
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result->attempts, 2U);
  EXPECT_TRUE(same_bytes(result->body, content->substr(1000, 16384)));
}

TEST_P(EngineFaults, SlowDownBurstIsRetriedHonouringRetryAfterZero) {
  rules({rule("/a.bin", "status", 3,
              {{"status", 503}, {"retry_after", "0"}, {"body", FaultProxy::s3_slow_down_body()}})});
  auto http = engine();
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 206);
  EXPECT_EQ(result->attempts, 4U);
  EXPECT_EQ(proxy->hits("/a.bin"), 4);
}

TEST_P(EngineFaults, EveryRetryableStatusIsRetried) {
  auto http = engine();
  for (int status : {408, 429, 500, 502, 503, 504}) {
    rules({rule("/b.bin", "status", 1, {{"status", status}})});
    auto result = http->execute(get_range("/b.bin"));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->status, 206) << status;
    EXPECT_EQ(result->attempts, 2U) << status;
    EXPECT_EQ(proxy->hits("/b.bin"), 2) << status;
  }
}

TEST_P(EngineFaults, NonRetryableStatusesAreReturnedAtOnce) {
  auto http = engine();
  for (int status : {400, 403, 404, 501}) {
    rules({rule("/b.bin", "status", 1, {{"status", status}})});
    auto result = http->execute(get_range("/b.bin"));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->status, status);
    EXPECT_EQ(result->attempts, 1U);
    EXPECT_EQ(proxy->hits("/b.bin"), 1) << status;
  }
}

TEST_P(EngineFaults, PersistentSlowDownReturnsTheLastResponseWithItsErrorBody) {
  rules({rule("/a.bin", "status", -1, {{"status", 503}, {"body", FaultProxy::s3_slow_down_body()}})});
  auto config = fast_retry_config();
  config.retry.max_retries = 3;
  auto http = engine(config);
  auto result = http->execute(get_range("/a.bin"));
  // An HTTP error retried to exhaustion is a Response, so the store can read the server's code.
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->attempts, 4U);
  EXPECT_NE(result->body.find("<Code>SlowDown</Code>"), std::string::npos);
  EXPECT_EQ(proxy->hits("/a.bin"), 4);
  EXPECT_EQ(http->stats().failures, 0U);
}

TEST_P(EngineFaults, RetryAfterSecondsIsHonoured) {
  rules({rule("/a.bin", "status", 1, {{"status", 503}, {"retry_after", "1"}})});
  auto http = engine();  // backoff at most 50 ms: only Retry-After explains a 1 s wait
  const auto start = std::chrono::steady_clock::now();
  auto result = http->execute(get_range("/a.bin"));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 206);
  EXPECT_EQ(result->attempts, 2U);
  EXPECT_GE(waited, std::chrono::milliseconds(1000));
}

TEST_P(EngineFaults, RetryAfterBeyondTheBudgetEndsRetryingAtOnce) {
  rules({rule("/a.bin", "status", 1, {{"status", 429}, {"retry_after", "3600"}})});
  auto http = engine();  // 30 s budget
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 429);
  EXPECT_EQ(result->attempts, 1U);
  EXPECT_EQ(proxy->hits("/a.bin"), 1);
}

TEST_P(EngineFaults, StallPastTheTimeoutIsRetried) {
  rules({rule("/a.bin", "stall", 1, {{"seconds", 10}})});
  auto config = fast_retry_config();
  config.timeout = std::chrono::milliseconds(1000);
  auto http = engine(config);
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_TRUE(same_bytes(result->body, content->substr(1000, 16384)));
  EXPECT_EQ(result->attempts, 2U);
}

TEST_P(EngineFaults, PersistentStallFailsWithATimeoutAfterTheRetries) {
  rules({rule("/a.bin", "stall", -1, {{"seconds", 5}})});
  auto config = fast_retry_config();
  config.timeout = std::chrono::milliseconds(200);
  config.retry.max_retries = 2;
  auto http = engine(config);
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(result.error().attempts, 3U);
  EXPECT_EQ(result.error().http_status, 0);
  EXPECT_NE(result.error().message.find("timed out"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(url("/a.bin")), std::string::npos);
  EXPECT_EQ(http->stats().failures, 1U);
  EXPECT_EQ(proxy->hits("/a.bin"), 3);
}

TEST_P(EngineFaults, FirstByteTimeoutAbandonsASilentServer) {
  rules({rule("/a.bin", "stall", 1, {{"seconds", 10}})});
  auto config = fast_retry_config();
  config.timeout = std::chrono::milliseconds(60'000);  // only the first-byte timeout can end the stall
  config.first_byte_timeout = std::chrono::milliseconds(500);
  auto http = engine(config);
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_TRUE(same_bytes(result->body, content->substr(1000, 16384)));
  EXPECT_EQ(result->attempts, 2U);

  rules({rule("/a.bin", "stall", -1, {{"seconds", 10}})});
  config.retry.max_retries = 1;
  auto strict = engine(config);
  auto failed = strict->execute(get_range("/a.bin"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(failed.error().attempts, 2U);
  EXPECT_NE(failed.error().message.find("first-byte timeout"), std::string::npos) << failed.error().message;
}

TEST_P(EngineFaults, RetryTimeBudgetBoundsAnEndlessFault) {
  rules({rule("/a.bin", "reset", -1)});
  auto config = fast_retry_config();
  config.retry.max_retries = 1'000'000;
  config.retry.init_backoff = std::chrono::milliseconds(20);
  config.retry.max_backoff = std::chrono::milliseconds(100);
  config.retry.retry_timeout = std::chrono::milliseconds(1'000);
  auto http = engine(config);
  auto result = http->execute(get_range("/a.bin"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNetwork);
  EXPECT_GT(result.error().attempts, 2U);
  EXPECT_LT(result.error().attempts, 1000U);
  EXPECT_NE(result.error().message.find("budget"), std::string::npos) << result.error().message;
  EXPECT_EQ(static_cast<int>(result.error().attempts), proxy->hits("/a.bin"));
}

TEST_P(EngineFaults, TruncatedBodiesAreRetried) {
  rules({rule("/c.bin", "truncate", 2, {{"keep_bytes", 5000}}),
         rule("/a.bin", "truncate", 1, {{"keep_bytes", 100}, {"then", "reset"}})});
  auto http = engine();
  Request whole;
  whole.url = url("/c.bin");
  auto result = http->execute(whole);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(same_bytes(result->body, *content));
  EXPECT_EQ(result->attempts, 3U);
  auto ranged = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(ranged.ok()) << ranged.error().describe();
  EXPECT_TRUE(same_bytes(ranged->body, content->substr(1000, 16384)));
  EXPECT_EQ(ranged->attempts, 2U);
}

TEST_P(EngineFaults, PersistentTruncationFailsCarryingTheStatus) {
  rules({rule("/c.bin", "truncate", -1, {{"keep_bytes", 5000}})});
  auto config = fast_retry_config();
  config.retry.max_retries = 2;
  auto http = engine(config);
  auto result = http->execute(get_range("/c.bin"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(result.error().http_status, 206);
  EXPECT_EQ(result.error().attempts, 3U);
  EXPECT_NE(result.error().message.find("truncated"), std::string::npos) << result.error().message;
}

TEST_P(EngineFaults, RefusedConnectionsFailAfterTheBudgetWithoutLeakingCredentials) {
  auto config = fast_retry_config();
  config.retry.max_retries = 3;
  auto http = engine(config);
  const auto port = tdump::testing::free_port();  // nothing listens there
  Request request;
  request.url = "http://user:hunter2@127.0.0.1:" + std::to_string(port) + "/bucket/key.tif?sig=SECRETSIG";
  request.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDSECRET"});
  auto result = http->execute(request);
  ASSERT_FALSE(result.ok());
  const Error& error = result.error();
  EXPECT_EQ(error.code, ErrorCode::kNetwork);
  EXPECT_EQ(error.attempts, 4U);
  EXPECT_EQ(error.http_status, 0);
  const std::string text = error.describe();
  EXPECT_NE(text.find("http://127.0.0.1:" + std::to_string(port) + "/bucket/key.tif"), std::string::npos) << text;
  for (const char* secret : {"hunter2", "user", "SECRETSIG", "AKIDSECRET", "sig="}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in: " << text;
  }
}

TEST_P(EngineFaults, RefusedConnectionsRecoverWhenTheServerComesUp) {
  auto config = fast_retry_config();
  config.retry.max_retries = 1000;
  config.retry.max_backoff = std::chrono::milliseconds(100);
  auto http = engine(config);
  const auto port = tdump::testing::free_port();
  std::promise<Result<Response>> done;
  http->submit(range_get("http://127.0.0.1:" + std::to_string(port) + "/a.bin", 0, 100),
               [&](Result<Response> result) { done.set_value(std::move(result)); });
  // Let a few attempts be refused, then start a proxy on that port.
  while (http->stats().attempts < 3) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  FaultProxy late(server->port(), port);
  auto result = done.get_future().get();
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_TRUE(same_bytes(result->body, content->substr(0, 100)));
  EXPECT_GE(result->attempts, 4U);
}

TEST_P(EngineFaults, RetriesWaitInsideTheLoopWithoutBlockingOtherRequests) {
  // One request keeps stalling and retrying; many others go through meanwhile.
  // Generous timeout: the quick requests go through a Python proxy on a busy machine.
  rules({rule("/a.bin", "stall", 3, {{"seconds", 10}})});
  auto config = fast_retry_config();
  config.timeout = std::chrono::milliseconds(1500);
  auto http = engine(config);
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> order;
  auto record = [&](const std::string& name) {
    return [&, name](const Result<Response>& result) {
      EXPECT_TRUE(result.ok()) << name << ": " << (result.ok() ? "" : result.error().describe());
      std::lock_guard lock(mutex);
      order.push_back(name);
      changed.notify_all();
    };
  };
  http->submit(get_range("/a.bin"), record("stalled"));
  for (int i = 0; i < 100; ++i) http->submit(get_range("/b.bin", static_cast<std::uint64_t>(i) * 100), record("quick"));
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return order.size() == 101; });
  EXPECT_EQ(order.back(), "stalled");
  EXPECT_EQ(proxy->hits("/a.bin"), 4);
}

TEST_P(EngineFaults, MixedFaultsUnderLoadAllEndWithTheRightBytes) {
  rules({rule("/a.bin", "reset", 40), rule("/b.bin", "status", 40, {{"status", 503}, {"retry_after", "0"}}),
         rule("/c.bin", "truncate", 40, {{"keep_bytes", 3000}})});
  // Retries of early failures race with first attempts, so one request may meet several of a
  // path's 40 faults; with more retries than faults per path, every request must still succeed.
  auto config = fast_retry_config();
  config.retry.max_retries = 41;
  auto http = engine(config);
  std::vector<Request> requests;
  std::vector<std::string> expected;
  for (std::size_t i = 0; i < 600; ++i) {
    const char* path = i % 3 == 0 ? "/a.bin" : i % 3 == 1 ? "/b.bin" : "/c.bin";
    requests.push_back(get_range(path, i * 300, 8192));
    expected.push_back(content->substr(i * 300, 8192));
  }
  auto results = run_all(*http, std::move(requests));
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].error().describe();
    ASSERT_EQ(results[i]->status, 206) << i;
    ASSERT_TRUE(same_bytes(results[i]->body, expected[i])) << i;
  }
  // Every fault costs exactly one more request at the proxy. The engine retried all of them,
  // except that libcurl itself re-sends once, uncounted, when a reused keep-alive connection is
  // reset before any response byte (what an idle-closed connection looks like): up to the 40 resets.
  EXPECT_EQ(proxy->hits("/a.bin") + proxy->hits("/b.bin") + proxy->hits("/c.bin"), 720);
  const auto stats = http->stats();
  EXPECT_GE(stats.retries, 80U);
  EXPECT_LE(stats.retries, 120U);
  EXPECT_EQ(stats.attempts, 600U + stats.retries);
}

TEST_P(EngineFaults, ShutdownCancelsWhatIsInFlightAndWaiting) {
  rules({rule("/a.bin", "stall", -1, {{"seconds", 30}}), rule("/b.bin", "reset", -1)});
  auto config = fast_retry_config();
  config.timeout = std::chrono::milliseconds(60'000);
  config.retry.init_backoff = std::chrono::milliseconds(10'000);  // retries wait in the timer heap
  config.retry.max_backoff = std::chrono::milliseconds(10'000);
  auto http = engine(config);
  std::mutex mutex;
  std::vector<ErrorCode> codes;
  for (int i = 0; i < 10; ++i) {
    for (const char* path : {"/a.bin", "/b.bin"}) {
      http->submit(get_range(path), [&](const Result<Response>& result) {
        std::lock_guard lock(mutex);
        codes.push_back(result.ok() ? ErrorCode::kInternal : result.error().code);
      });
    }
  }
  while (proxy->hits("/a.bin") < 10 || proxy->hits("/b.bin") < 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  http->shutdown();
  ASSERT_EQ(codes.size(), 20U);
  for (auto code : codes) EXPECT_EQ(code, ErrorCode::kCancelled);
  EXPECT_EQ(http->stats().in_flight, 0U);
}

}  // namespace
}  // namespace tdump::http

namespace tdump::http {
namespace {

// The proxy records the path exactly as it arrives: dot segments must not be collapsed, since
// they are part of object keys ("a/../b.tif" is a valid S3 key, distinct from "b.tif").
TEST_P(EngineFaults, DotSegmentsAreSentAsGiven) {
  rules({rule("/x/../a.bin", "status", 1, {{"status", 404}})});
  auto http = engine();
  auto result = http->execute(get_range("/x/../a.bin"));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(proxy->hits("/x/../a.bin"), 1);
  EXPECT_EQ(proxy->hits("/a.bin"), 0);
}

// stop_retrying(): a request waiting out its backoff fails at once with kCancelled instead of
// waiting (here the wait is 60 s and the budget 10 minutes), and a later attempt that fails
// is not retried.
TEST_P(EngineFaults, StopRetryingFailsAPendingRetryAtOnceWithCancelled) {
  // Retry-After pins the wait at a minute (full jitter alone could draw a few milliseconds).
  rules({rule("/b.bin", "status", -1, {{"status", 503}, {"retry_after", "60"}})});
  ClientConfig config = fast_retry_config();
  config.retry.max_retries = 100;
  config.retry.init_backoff = std::chrono::milliseconds(60'000);
  config.retry.max_backoff = std::chrono::milliseconds(60'000);
  config.retry.retry_timeout = std::chrono::milliseconds(600'000);
  auto http = engine(config);
  std::promise<Result<Response>> done;
  auto future = done.get_future();
  http->submit(get_range("/b.bin"), [&](Result<Response> r) { done.set_value(std::move(r)); });
  // The first attempt is answered 503; the request then waits for its retry.
  for (int i = 0; i < 500 && proxy->hits("/b.bin") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(proxy->hits("/b.bin"), 1);
  while (http->stats().retries == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  http->stop_retrying();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready)
      << "the pending retry was not cancelled";
  auto result = future.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kCancelled) << result.error().describe();
  EXPECT_EQ(result.error().attempts, 1U);
  EXPECT_EQ(proxy->hits("/b.bin"), 1);
  // From now on a retryable answer ends the request at its first attempt.
  auto again = http->execute(get_range("/b.bin"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(again.error().http_status, 503);
  EXPECT_EQ(proxy->hits("/b.bin"), 2);
  // A request that succeeds is not affected.
  auto fine = http->execute(get_range("/a.bin"));
  ASSERT_TRUE(fine.ok()) << fine.error().describe();
  EXPECT_EQ(fine->status, 206);
}

INSTANTIATE_TEST_SUITE_P(Paths, EngineFaults, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& path) {
  return path.param ? "own_http1" : "libcurl";
});

}  // namespace
}  // namespace tdump::http
