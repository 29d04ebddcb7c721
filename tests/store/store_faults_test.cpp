// Store requests through the fault-injecting proxy in front of moto: S3 SlowDown bursts and
// resets are retried by the engine and the attempts reach the caller; an exhausted budget
// surfaces S3's own error code; a 404 is not retried.
#include <gtest/gtest.h>

#include "fault_proxy.hpp"
#include "servers.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"

namespace tdump::store {
namespace {

using testing::options;

class StoreFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_server = std::make_unique<tdump::testing::MotoServer>();
    moto_server->create_bucket("bkt");
    moto_server->put_object("bkt", "k.tif", "0123456789");
    fault_proxy = std::make_unique<tdump::testing::FaultProxy>(moto_server->port());
    test_engine = testing::quick_engine();  // 2 retries: 3 attempts at most
    auto store = open_store("s3://bkt",
                            options({{"endpoint", fault_proxy->base_url()},
                                     {"allow_http", "true"},
                                     {"access_key_id", "AKID"},
                                     {"secret_access_key", "secret"}}),
                            test_engine);
    ASSERT_TRUE(store.ok()) << store.error().message;
    faulty_store = std::move(*store);
  }
  static void TearDownTestSuite() {
    faulty_store.reset();
    test_engine->shutdown();
    test_engine.reset();
    fault_proxy.reset();
    moto_server.reset();
  }
  static nlohmann::json slow_down(int times) {
    return {{"path", "/bkt/k.tif"},
            {"times", times},
            {"action", "status"},
            {"status", 503},
            {"retry_after", "0"},
            {"content_type", "application/xml"},
            {"body", tdump::testing::FaultProxy::s3_slow_down_body()}};
  }

  static std::unique_ptr<tdump::testing::MotoServer> moto_server;
  static std::unique_ptr<tdump::testing::FaultProxy> fault_proxy;
  static std::shared_ptr<http::Engine> test_engine;
  static std::unique_ptr<ObjectStore> faulty_store;
};
std::unique_ptr<tdump::testing::MotoServer> StoreFaultsTest::moto_server;
std::unique_ptr<tdump::testing::FaultProxy> StoreFaultsTest::fault_proxy;
std::shared_ptr<http::Engine> StoreFaultsTest::test_engine;
std::unique_ptr<ObjectStore> StoreFaultsTest::faulty_store;

TEST_F(StoreFaultsTest, SlowDownBurstIsRetriedAndCounted) {
  fault_proxy->set_rules(nlohmann::json::array({slow_down(2)}));
  auto read = faulty_store->read_range_blocking("k.tif", {2, 4});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "2345");
  EXPECT_EQ(read->attempts, 3U);
  EXPECT_EQ(fault_proxy->hits("/bkt/k.tif"), 3);
}

TEST_F(StoreFaultsTest, ExhaustedBudgetKeepsS3sErrorCode) {
  fault_proxy->set_rules(nlohmann::json::array({slow_down(-1)}));
  auto read = faulty_store->read_range_blocking("k.tif", {0, 4});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().http_status, 503);
  EXPECT_EQ(read.error().remote_code, "SlowDown");
  EXPECT_EQ(read.error().attempts, 3U);
  EXPECT_NE(read.error().message.find("s3://bkt/k.tif"), std::string::npos);
  EXPECT_EQ(fault_proxy->hits("/bkt/k.tif"), 3);
}

TEST_F(StoreFaultsTest, ResetDuringListingIsRetried) {
  fault_proxy->set_rules(nlohmann::json::array({{{"path", "/bkt"}, {"times", 1}, {"action", "reset"}}}));
  auto listing = testing::list_all(*faulty_store, "", 10);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"k.tif"}));
  EXPECT_EQ(fault_proxy->hits("/bkt"), 2);
}

TEST_F(StoreFaultsTest, TruncatedBodyIsRetried) {
  fault_proxy->set_rules(
      nlohmann::json::array({{{"path", "/bkt/k.tif"}, {"times", 1}, {"action", "truncate"}, {"keep_bytes", 2}}}));
  auto read = faulty_store->read_range_blocking("k.tif", {0, 10});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "0123456789");
  EXPECT_EQ(read->attempts, 2U);
}

TEST_F(StoreFaultsTest, NotFoundIsNotRetried) {
  fault_proxy->clear();
  auto read = faulty_store->read_range_blocking("missing.tif", {0, 4});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(read.error().attempts, 1U);
  EXPECT_EQ(fault_proxy->hits("/bkt/missing.tif"), 1);
}

}  // namespace
}  // namespace tdump::store
