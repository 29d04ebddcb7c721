// ObjectStore writes on Azurite: Put Blob (block blob, one request) and Delete Blob with Shared
// Key (Content-Length and x-ms-blob-type signed) and with a SAS; awkward names, overwrite, a
// 24 MiB body, a wrong key, a missing container, anonymous refusal. Blobs are read back with
// plain HTTP GETs carrying the test's own SAS, not through the store.
#include <gtest/gtest.h>

#include "net.hpp"
#include "servers.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"

namespace tdump::store {
namespace {

using tdump::testing::AzuriteServer;
using testing::options;

class AzureWritesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    azurite_server = std::make_unique<AzuriteServer>();
    azurite_server->create_container("out", false);
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    azurite_server.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& url, const std::map<std::string, std::string>& values,
                                           const std::map<std::string, std::string>& env = {}) {
    return testing::open_or_fail(url, options(values, env), test_engine);
  }
  static std::map<std::string, std::string> shared_key() { return testing::azurite_values(*azurite_server); }
  static tdump::testing::SimpleResponse get(const std::string& container, const std::string& key) {
    return testing::azurite_get(*azurite_server, container, key);
  }

  static std::unique_ptr<AzuriteServer> azurite_server;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<AzuriteServer> AzureWritesTest::azurite_server;
std::shared_ptr<http::Engine> AzureWritesTest::test_engine;

TEST_F(AzureWritesTest, SharedKeyPutsAwkwardNamesOverwritesAndDeletes) {
  auto store = open("az://out/run 1", shared_key());
  ASSERT_TRUE(store);
  testing::check_put_overwrite_delete(*store, [](const std::string& key) -> std::optional<std::string> {
    auto got = get("out", "run 1/" + key);
    if (got.status == 404) return std::nullopt;
    EXPECT_EQ(got.status, 200) << got.body;
    return got.body;
  });
  // An empty blob: Content-Length 0 is signed as an empty string.
  ASSERT_TRUE(store->put_object("empty.bin", "").ok());
  auto empty = get("out", "run 1/empty.bin");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
}

TEST_F(AzureWritesTest, SasPutsAndDeletesWithoutShowingTheSignature) {
  auto store = open("az://out/sas", {{"account_name", AzuriteServer::kAccount},
                                     {"endpoint", azurite_server->account_url()},
                                     {"allow_http", "true"},
                                     {"sas_key", AzuriteServer::kSas}});
  ASSERT_TRUE(store);
  auto put = store->put_object("dir/x y.bin", "through a SAS");
  ASSERT_TRUE(put.ok()) << put.error().describe();
  EXPECT_EQ(get("out", "sas/dir/x y.bin").body, "through a SAS");
  ASSERT_TRUE(store->delete_object("dir/x y.bin").ok());
  EXPECT_EQ(get("out", "sas/dir/x y.bin").status, 404);
  auto missing_container = open("az://nocontainer", {{"account_name", AzuriteServer::kAccount},
                                                     {"endpoint", azurite_server->account_url()},
                                                     {"allow_http", "true"},
                                                     {"sas_key", AzuriteServer::kSas}});
  auto failed = missing_container->put_object("k.bin", "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(failed.error().remote_code, "ContainerNotFound");
  EXPECT_NE(failed.error().message.find("PUT az://nocontainer/k.bin"), std::string::npos) << failed.error().message;
  EXPECT_EQ(failed.error().describe().find("QasnztzZZ0"), std::string::npos);
  auto removed = missing_container->delete_object("k.bin");
  ASSERT_FALSE(removed.ok()) << "a delete in a missing container is not a deleted blob";
  EXPECT_EQ(removed.error().remote_code, "ContainerNotFound");
}

TEST_F(AzureWritesTest, PutsTensOfMegabytesIntact) {
  auto store = open("az://out", shared_key());
  ASSERT_TRUE(store);
  const auto payload = testing::test_payload(24U << 20, 5);
  auto put = store->put_object("big/file.parquet", payload);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  auto back = get("out", "big/file.parquet");
  ASSERT_EQ(back.status, 200);
  ASSERT_EQ(back.body.size(), payload.size());
  EXPECT_EQ(testing::md5_hex(back.body), testing::md5_hex(payload));
}

TEST_F(AzureWritesTest, AWrongKeyIsRefusedAndNothingIsWritten) {
  auto store = open("az://out", {{"account_name", AzuriteServer::kAccount},
                                 {"account_key", "d3Jvbmcga2V5IHdyb25nIGtleQ=="},
                                 {"endpoint", azurite_server->account_url()},
                                 {"allow_http", "true"}});
  ASSERT_TRUE(store);
  auto put = store->put_object("denied.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(put.error().http_status, 403);
  EXPECT_EQ(put.error().remote_code, "AuthorizationFailure");
  EXPECT_EQ(put.error().describe().find("d3Jvbmcga2V5"), std::string::npos);
  EXPECT_EQ(get("out", "denied.bin").status, 404);
}

TEST_F(AzureWritesTest, AnonymousStoresRefuseToWrite) {
  auto store = open("az://out",
                    {{"endpoint", azurite_server->account_url()}, {"allow_http", "true"}, {"skip_signature", "true"}});
  ASSERT_TRUE(store);
  auto put = store->put_object("anon.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(put.error().message.find("anonymous"), std::string::npos) << put.error().message;
  EXPECT_EQ(get("out", "anon.bin").status, 404);
}

}  // namespace
}  // namespace tdump::store
