// ObjectStore writes (put_object / delete_object) on moto_server: with signature checks off
// (awkward keys under a root prefix, overwrite, delete, 24 MiB bodies, a missing bucket,
// anonymous refusal, retries through the fault proxy resending the whole body) and on (the
// payload's SHA-256 signed, UNSIGNED-PAYLOAD, a wrong secret). Every object is read back with
// plain HTTP requests of the test's own, not through the store.
#include <gtest/gtest.h>

#include "fault_proxy.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"

namespace tdump::store {
namespace {

using tdump::testing::simple_http;
using tdump::testing::url_encode_path;
using testing::options;

class S3WritesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_server = std::make_unique<tdump::testing::MotoServer>();
    moto_server->create_bucket("out");
    moto_server->make_public("out");  // so the test's own unsigned GETs may read what was written
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    moto_server.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& url, const std::string& endpoint = {},
                                           const std::map<std::string, std::string>& extra = {}) {
    return testing::open_or_fail(url, options(testing::moto_values(*moto_server, extra, endpoint)), test_engine);
  }
  // GET of bucket/key straight from moto (signature checks are off).
  static tdump::testing::SimpleResponse get(const std::string& bucket, const std::string& key) {
    return testing::moto_get(*moto_server, bucket, key);
  }

  static std::unique_ptr<tdump::testing::MotoServer> moto_server;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<tdump::testing::MotoServer> S3WritesTest::moto_server;
std::shared_ptr<http::Engine> S3WritesTest::test_engine;

TEST_F(S3WritesTest, PutsAwkwardKeysUnderTheRootOverwritesAndDeletes) {
  auto store = open("s3://out/run 1");  // the URL's path is the root: keys land under "run 1/"
  ASSERT_TRUE(store);
  testing::check_put_overwrite_delete(*store, [](const std::string& key) -> std::optional<std::string> {
    auto got = get("out", "run 1/" + key);
    if (got.status == 404) return std::nullopt;
    EXPECT_EQ(got.status, 200) << got.body;
    return got.body;
  });
}

TEST_F(S3WritesTest, PutsTensOfMegabytesIntact) {
  auto store = open("s3://out");
  ASSERT_TRUE(store);
  const auto payload = testing::test_payload(24U << 20, 7);
  auto put = store->put_object("big/file.parquet", payload);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  auto back = get("out", "big/file.parquet");
  ASSERT_EQ(back.status, 200);
  ASSERT_EQ(back.body.size(), payload.size());
  EXPECT_EQ(testing::md5_hex(back.body), testing::md5_hex(payload));
  EXPECT_NE(back.headers.find(testing::md5_hex(payload)), std::string::npos) << "the ETag is the body's MD5\n"
                                                                             << back.headers;
}

TEST_F(S3WritesTest, DeletingAMissingKeySucceedsAMissingBucketIsAnError) {
  auto store = open("s3://out");
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->delete_object("never/written.bin").ok());
  auto missing = open("s3://no-such-bucket/prefix");
  ASSERT_TRUE(missing);
  auto put = missing->put_object("k.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(put.error().http_status, 404);
  EXPECT_EQ(put.error().remote_code, "NoSuchBucket");
  EXPECT_NE(put.error().message.find("PUT s3://no-such-bucket/prefix/k.bin"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("'no-such-bucket' does not exist"), std::string::npos) << put.error().message;
  auto removed = missing->delete_object("k.bin");
  ASSERT_FALSE(removed.ok()) << "a delete in a missing bucket is not a deleted key";
  EXPECT_EQ(removed.error().remote_code, "NoSuchBucket");
}

TEST_F(S3WritesTest, AnonymousStoresRefuseToWrite) {
  auto store = open("s3://out", {}, {{"skip_signature", "true"}});
  ASSERT_TRUE(store);
  auto put = store->put_object("anon.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(put.error().message.find("PUT s3://out/anon.bin"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("anonymous"), std::string::npos) << put.error().message;
  EXPECT_EQ(get("out", "anon.bin").status, 404);  // no request was sent
  EXPECT_FALSE(store->delete_object("anon.bin").ok());
}

TEST_F(S3WritesTest, RetriesResendTheWholeBody) {
  tdump::testing::FaultProxy proxy(moto_server->port());
  const auto payload = testing::test_payload(3U << 20, 11);
  proxy.set_rules(nlohmann::json::array({{{"path", "/out/retried.bin"}, {"action", "reset"}, {"times", 1}},
                                         {{"path", "/out/retried.bin"},
                                          {"action", "status"},
                                          {"times", 1},
                                          {"status", 503},
                                          {"retry_after", "0"},
                                          {"body", tdump::testing::FaultProxy::s3_slow_down_body()}}}));
  auto store = open("s3://out", proxy.base_url());
  ASSERT_TRUE(store);
  auto put = store->put_object("retried.bin", payload);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  EXPECT_EQ(proxy.hits("/out/retried.bin"), 3);  // reset, 503, then forwarded (quick_engine: 2 retries)
  auto back = get("out", "retried.bin");
  ASSERT_EQ(back.body.size(), payload.size());
  EXPECT_EQ(testing::md5_hex(back.body), testing::md5_hex(payload));

  // A budget spent on SlowDowns ends in an error naming the request, status, attempts and code.
  proxy.set_rules(nlohmann::json::array({{{"path", "/out/never.bin"},
                                          {"action", "status"},
                                          {"times", -1},
                                          {"status", 503},
                                          {"retry_after", "0"},
                                          {"body", tdump::testing::FaultProxy::s3_slow_down_body()}}}));
  auto failed = store->put_object("never.bin", "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().http_status, 503);
  EXPECT_EQ(failed.error().remote_code, "SlowDown");
  EXPECT_EQ(failed.error().attempts, 3U);  // quick_engine: 2 retries
  EXPECT_NE(failed.error().message.find("PUT s3://out/never.bin"), std::string::npos) << failed.error().message;
  EXPECT_EQ(get("out", "never.bin").status, 404);
}

// Signature checks on: an IAM user made through moto's IAM API.
class S3WritesAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_server = std::make_unique<tdump::testing::MotoServer>(1'000'000);
    aws_keys = testing::create_moto_user(*moto_server, "writer");
    moto_server->create_bucket("secure");
    moto_server->make_public("secure");
    testing::set_moto_auth(*moto_server, "0");
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    moto_server.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& secret,
                                           const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> values = {{"endpoint", moto_server->endpoint()},
                                                 {"allow_http", "true"},
                                                 {"access_key_id", aws_keys.access_key_id},
                                                 {"secret_access_key", secret}};
    for (const auto& [k, v] : extra) values[k] = v;
    auto store = open_store("s3://secure/out", options(values), test_engine);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
    return store.ok() ? std::move(*store) : nullptr;
  }
  // Reads an object with the checks briefly off (an unsigned GET would get a 500 otherwise).
  static tdump::testing::SimpleResponse get_unchecked(const std::string& key) {
    testing::set_moto_auth(*moto_server, "inf");
    auto response = simple_http("GET", moto_server->port(), "/secure/out/" + url_encode_path(key));
    testing::set_moto_auth(*moto_server, "0");
    return response;
  }

  static std::unique_ptr<tdump::testing::MotoServer> moto_server;
  static std::shared_ptr<http::Engine> test_engine;
  static testing::AwsKeys aws_keys;
};
std::unique_ptr<tdump::testing::MotoServer> S3WritesAuthTest::moto_server;
std::shared_ptr<http::Engine> S3WritesAuthTest::test_engine;
testing::AwsKeys S3WritesAuthTest::aws_keys;

TEST_F(S3WritesAuthTest, SignedPayloadHashAndUnsignedPayloadAreAccepted) {
  const auto payload = testing::test_payload(2U << 20, 3);
  auto signed_store = open(aws_keys.secret_access_key);
  ASSERT_TRUE(signed_store);
  auto put = signed_store->put_object("signed/a b.bin", payload);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  auto unsigned_store = open(aws_keys.secret_access_key, {{"unsigned_payload", "true"}});
  ASSERT_TRUE(unsigned_store);
  auto put_unsigned = unsigned_store->put_object("unsigned/b.bin", "unsigned body");
  ASSERT_TRUE(put_unsigned.ok()) << put_unsigned.error().describe();
  EXPECT_EQ(testing::md5_hex(get_unchecked("signed/a b.bin").body), testing::md5_hex(payload));
  EXPECT_EQ(get_unchecked("unsigned/b.bin").body, "unsigned body");

  auto removed = signed_store->delete_object("signed/a b.bin");
  ASSERT_TRUE(removed.ok()) << removed.error().describe();
  EXPECT_EQ(get_unchecked("signed/a b.bin").status, 404);
}

TEST_F(S3WritesAuthTest, AWrongSecretIsRefusedWithoutLeakingIt) {
  auto store = open("THIS-IS-THE-WRONG-SECRET");
  ASSERT_TRUE(store);
  auto put = store->put_object("denied.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_EQ(put.error().remote_code, "SignatureDoesNotMatch");
  EXPECT_NE(put.error().message.find("PUT s3://secure/out/denied.bin"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("credentials from options"), std::string::npos) << put.error().message;
  EXPECT_EQ(put.error().describe().find("THIS-IS-THE-WRONG-SECRET"), std::string::npos);
  EXPECT_EQ(get_unchecked("denied.bin").status, 404);
  auto removed = store->delete_object("denied.bin");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace tdump::store
