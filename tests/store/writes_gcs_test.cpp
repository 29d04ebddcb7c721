// ObjectStore writes on our GCS JSON-API test server: media uploads and objects.delete, with a
// service account whose token asks for the read-write scope only when the store is opened for
// writing (a read-only token gets 403 insufficientPermissions, as from Google), a fixed bearer
// token for a 24 MiB body, a missing bucket, anonymous refusal. Objects are checked as the
// server's files on disk.
#include <gtest/gtest.h>

#include <filesystem>

#include "gcs_test_server.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {
namespace fs = std::filesystem;

class GcsWritesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::GcsServerOptions opts;
    opts.static_token = "fixed-test-token";
    gcs_server = std::make_unique<testing::GcsTestServer>(opts);
    fs::create_directories(gcs_server->root() / "out");
    key_dir = std::make_unique<tdump::testing::TempDir>("gcskey");
    tdump::testing::write_file(*key_dir / "key.json", gcs_server->service_account_json());
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    gcs_server.reset();
    key_dir.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& url, const std::map<std::string, std::string>& extra,
                                           bool for_writing = true) {
    auto opts = testing::options(testing::gcs_values(gcs_server->endpoint(), extra));
    opts.for_writing = for_writing;
    return testing::open_or_fail(url, opts, test_engine);
  }
  static std::map<std::string, std::string> service_account() {
    return {{"google_service_account", (*key_dir / "key.json").string()}};
  }
  static fs::path file_of(const std::string& bucket, const std::string& name) {
    return gcs_server->root() / bucket / name;
  }

  static std::unique_ptr<testing::GcsTestServer> gcs_server;
  static std::unique_ptr<tdump::testing::TempDir> key_dir;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<testing::GcsTestServer> GcsWritesTest::gcs_server;
std::unique_ptr<tdump::testing::TempDir> GcsWritesTest::key_dir;
std::shared_ptr<http::Engine> GcsWritesTest::test_engine;

TEST_F(GcsWritesTest, ServiceAccountUploadsOverwritesAndDeletes) {
  auto store = open("gs://out/run 1", service_account());
  ASSERT_TRUE(store);
  testing::check_put_overwrite_delete(*store, [](const std::string& key) -> std::optional<std::string> {
    const auto file = file_of("out", "run 1/" + key);
    if (!fs::exists(file)) return std::nullopt;
    return tdump::testing::read_file(file);
  });
}

TEST_F(GcsWritesTest, AReadOnlyTokenCannotWrite) {
  auto store = open("gs://out", service_account(), /*for_writing=*/false);
  ASSERT_TRUE(store);
  auto put = store->put_object("read-only.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_EQ(put.error().remote_code, "insufficientPermissions");
  EXPECT_NE(put.error().message.find("PUT gs://out/read-only.bin"), std::string::npos) << put.error().message;
  EXPECT_FALSE(fs::exists(file_of("out", "read-only.bin")));
}

TEST_F(GcsWritesTest, PutsTensOfMegabytesIntact) {
  auto store = open("gs://out", {{"bearer_token", "fixed-test-token"}});
  ASSERT_TRUE(store);
  const auto payload = testing::test_payload(24U << 20, 9);
  auto put = store->put_object("big/file.parquet", payload);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  auto back = tdump::testing::read_file(file_of("out", "big/file.parquet"));
  ASSERT_EQ(back.size(), payload.size());
  EXPECT_EQ(testing::md5_hex(back), testing::md5_hex(payload));
}

TEST_F(GcsWritesTest, AMissingBucketIsAnErrorForUploadAndDelete) {
  auto store = open("gs://nobucket", {{"bearer_token", "fixed-test-token"}});
  ASSERT_TRUE(store);
  auto put = store->put_object("k.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(put.error().remote_code, "notFound");
  EXPECT_FALSE(store->delete_object("k.bin").ok()) << "a delete in a missing bucket is not a deleted object";
  auto wrong_token = open("gs://out", {{"bearer_token", "not-a-token"}});
  auto denied = wrong_token->put_object("k.bin", "x");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().http_status, 401);
}

TEST_F(GcsWritesTest, AnonymousStoresRefuseToWrite) {
  auto store = open("gs://out", {{"skip_signature", "true"}});
  ASSERT_TRUE(store);
  auto put = store->put_object("anon.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(put.error().message.find("anonymous"), std::string::npos) << put.error().message;
  EXPECT_FALSE(fs::exists(file_of("out", "anon.bin")));
}

}  // namespace
}  // namespace tdump::store
