// Engine behaviour that needs no server: creation, shutdown, cancellation, requests libcurl
// rejects before any connection, and where callbacks run.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "http/engine.hpp"

namespace tdump::http {
namespace {

std::unique_ptr<Engine> make_engine(const ClientConfig& config = {}) {
  auto engine = Engine::create(config);
  EXPECT_TRUE(engine.ok()) << engine.error().describe();
  return std::move(engine).value();
}

TEST(EngineLifecycle, ShutdownIsIdempotentAndLaterSubmissionsAreCancelled) {
  ClientConfig config;
  config.loops = 3;
  auto engine = make_engine(config);
  engine->shutdown();
  engine->shutdown();
  Request request;
  request.url = "http://127.0.0.1:9/key?token=SECRET";
  auto result = engine->execute(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kCancelled);
  EXPECT_NE(result.error().message.find("http://127.0.0.1:9/key"), std::string::npos);
  EXPECT_EQ(result.error().message.find("SECRET"), std::string::npos);
  const auto stats = engine->stats();
  EXPECT_EQ(stats.in_flight, 0U);
  EXPECT_EQ(stats.failures, 1U);
}

TEST(EngineLifecycle, UnsupportedSchemeFailsOnceWithoutRetry) {
  auto engine = make_engine();
  Request request;
  request.url = "ftp://user:password@127.0.0.1/file";
  auto result = engine->execute(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().attempts, 1U);
  EXPECT_EQ(result.error().message.find("password"), std::string::npos);
  EXPECT_EQ(engine->stats().retries, 0U);
}

TEST(EngineLifecycle, CallbacksRunOnALoopThreadNeverInline) {
  auto engine = make_engine();
  std::promise<std::thread::id> ran_on;
  Request request;
  request.url = "not a url";
  engine->submit(request, [&](const Result<Response>& result) {
    EXPECT_FALSE(result.ok());
    ran_on.set_value(std::this_thread::get_id());
  });
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
}

TEST(EngineLifecycle, ExecuteFromACallbackIsRefusedInsteadOfDeadlocking) {
  auto engine = make_engine();
  std::promise<Result<Response>> inner;
  Request request;
  request.url = "not a url";
  engine->submit(request, [&](const Result<Response>& /*outer*/) { inner.set_value(engine->execute(Request{})); });
  auto result = inner.get_future().get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInternal);
}

TEST(EngineLifecycle, CallbackMaySubmitAgain) {
  auto engine = make_engine();
  std::promise<int> done;
  int rounds = 0;
  std::function<void(Result<Response>)> again = [&](const Result<Response>& /*result*/) {
    if (++rounds == 5) {
      done.set_value(rounds);
      return;
    }
    Request next;
    next.url = "bad url";
    engine->submit(next, again);
  };
  Request first;
  first.url = "bad url";
  engine->submit(first, again);
  EXPECT_EQ(done.get_future().get(), 5);
  EXPECT_EQ(engine->stats().requests, 5U);
}

}  // namespace
}  // namespace tdump::http
