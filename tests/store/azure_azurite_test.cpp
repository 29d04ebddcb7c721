// The Azure store against Azurite: Shared Key, SAS and anonymous access, List Blobs markers
// with small pages, x-ms-range reads and 416 past the end, and a wrong key refused.
#include <gtest/gtest.h>

#include "servers.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"

namespace tdump::store {
namespace {

using testing::list_all;
using testing::options;

const std::vector<std::string> blob_names = {
    "a.tif",           "dir/with space.tif", "dir/plus+sign.tif", "dir/percent%.tif",
    "dir/eq=uals.tif", "unicodé/ñ.tif",      "double//slash.tif", "deep/x/y/z.tif",
    "zz.tif"};

std::string content_for(const std::string& name) {
  return "azure blob " + name + std::string(30, '#');
}

class AzuriteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    azurite_server = std::make_unique<tdump::testing::AzuriteServer>();
    azurite_server->create_container("private", false);
    azurite_server->create_container("public", true);
    for (const auto& name : blob_names) azurite_server->put_blob("private", name, content_for(name));
    azurite_server->put_blob("public", "open.tif", "public blob");
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    azurite_server.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& url, std::map<std::string, std::string> values,
                                           std::map<std::string, std::string> env = {}) {
    return testing::open_or_fail(url, options(std::move(values), std::move(env)), test_engine);
  }
  static std::map<std::string, std::string> emulator() { return testing::azurite_values(*azurite_server); }

  static std::unique_ptr<tdump::testing::AzuriteServer> azurite_server;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<tdump::testing::AzuriteServer> AzuriteTest::azurite_server;
std::shared_ptr<http::Engine> AzuriteTest::test_engine;

TEST_F(AzuriteTest, KeysComeInAzuritesOwnOrderAndNoneIsSkipped) {
  // Azurite lists by UTF-16 code units: U+1F600 before U+FF01 (bytes say the opposite), upper
  // case before lower case. The paged listing must keep them all, in pages of one.
  const std::vector<std::string> names = {"B.tif", "a.tif", "\xEF\xBC\x81.tif", "\xF0\x9F\x98\x80.tif",
                                          "\xE9\x80\x80.tif"};
  azurite_server->create_container("order", false);
  for (const auto& name : names) azurite_server->put_blob("order", name, "x");
  auto store = open("az://order", emulator());
  auto listing = list_all(*store, "", 1);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), (std::vector<std::string>{"B.tif", "a.tif", "\xE9\x80\x80.tif", "\xF0\x9F\x98\x80.tif",
                                                      "\xEF\xBC\x81.tif"}));
}

TEST_F(AzuriteTest, SharedKeyListsWithMarkers) {
  auto store = open("az://private", emulator());  // the emulator's well-known key
  auto listing = list_all(*store, "", 2);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  auto expected = blob_names;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listing.keys(), expected);
  EXPECT_EQ(listing.page_sizes.size(), (expected.size() + 1) / 2);
  for (const auto& o : listing.objects) {
    EXPECT_EQ(o.size, content_for(o.key).size());
    EXPECT_FALSE(o.etag.empty());
    EXPECT_TRUE(o.last_modified_us.has_value());
  }
  EXPECT_EQ(list_all(*store, "dir/", 100).objects.size(), 4U);
  EXPECT_TRUE(list_all(*store, "none/", 100).objects.empty());
}

TEST_F(AzuriteTest, SharedKeyReadsRangesOfAwkwardNames) {
  auto store = open("az://private", {{"account_name", tdump::testing::AzuriteServer::kAccount},
                                     {"account_key", tdump::testing::AzuriteServer::kAccountKey},
                                     {"endpoint", azurite_server->account_url()},
                                     {"allow_http", "true"}});
  for (const auto& name : blob_names) {
    auto content = content_for(name);
    auto all = store->read_range_blocking(name, {0, content.size()});
    ASSERT_TRUE(all.ok()) << name << ": " << all.error().describe();
    EXPECT_EQ(all->bytes, content) << name;
    auto part = store->read_range_blocking(name, {5, 4});
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->bytes, content.substr(5, 4));
    EXPECT_EQ(part->object_size, content.size());
  }
  auto content = content_for("a.tif");
  auto past = store->read_range_blocking("a.tif", {content.size() + 5, 10});
  ASSERT_TRUE(past.ok()) << past.error().describe();
  EXPECT_TRUE(past->bytes.empty());
  EXPECT_EQ(past->object_size, content.size());
  auto tail = store->read_range_blocking("a.tif", {content.size() - 2, 100});
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, content.substr(content.size() - 2));
}

TEST_F(AzuriteTest, SasToken) {
  auto store = open("az://private/dir",
                    {{"account_name", tdump::testing::AzuriteServer::kAccount},
                     {"endpoint", azurite_server->account_url()},
                     {"allow_http", "true"}},
                    {{"AZURE_STORAGE_SAS_TOKEN", tdump::testing::AzuriteServer::kSas}});
  auto listing = list_all(*store, "", 3);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(),
            (std::vector<std::string>{"eq=uals.tif", "percent%.tif", "plus+sign.tif", "with space.tif"}));
  auto read = store->read_range_blocking("with space.tif", {0, 5});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "azure");
  EXPECT_EQ(store->url_for("with space.tif"), "az://private/dir/with space.tif");
  // An error names the blob but never the SAS signature.
  auto missing = store->read_range_blocking("nope.tif", {0, 5});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().remote_code, "BlobNotFound");
  EXPECT_EQ(missing.error().describe().find("sig="), std::string::npos);
  EXPECT_EQ(missing.error().describe().find("QasnztzZZ0"), std::string::npos);
}

TEST_F(AzuriteTest, AnonymousOnAPublicContainerOnly) {
  auto store = open("az://public",
                    {{"endpoint", azurite_server->account_url()}, {"allow_http", "true"}, {"skip_signature", "true"}});
  auto read = store->read_range_blocking("open.tif", {0, 6});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "public");
  EXPECT_EQ(list_all(*store, "", 10).keys(), (std::vector<std::string>{"open.tif"}));
  auto closed =
      open("az://private",
           {{"endpoint", azurite_server->account_url()}, {"allow_http", "true"}, {"azure_skip_signature", "true"}});
  auto denied = closed->read_range_blocking("a.tif", {0, 6});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(AzuriteTest, WrongKeyIsAuthorizationFailure) {
  auto store = open("az://private", {{"azure_storage_account_name", tdump::testing::AzuriteServer::kAccount},
                                     {"azure_storage_account_key", "d3Jvbmcga2V5IHdyb25nIGtleQ=="},
                                     {"azure_storage_endpoint", azurite_server->account_url()},
                                     {"allow_http", "true"}});
  auto read = store->read_range_blocking("a.tif", {0, 4});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(read.error().http_status, 403);
  EXPECT_EQ(read.error().remote_code, "AuthorizationFailure");
  EXPECT_EQ(read.error().describe().find("d3Jvbmcga2V5"), std::string::npos);
  auto listing = list_all(*store, "", 10);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_EQ(listing.error->code, ErrorCode::kPermissionDenied);
}

TEST_F(AzuriteTest, MissingContainer) {
  auto store = open("az://nocontainer", emulator());
  auto listing = list_all(*store, "", 10);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_EQ(listing.error->code, ErrorCode::kNotFound);
  EXPECT_NE(listing.error->message.find("'nocontainer'"), std::string::npos);
}

}  // namespace
}  // namespace tdump::store
