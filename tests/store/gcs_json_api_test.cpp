// The GCS store against our JSON-API test server: objects.list paging, media downloads with
// Range (206/416), and OAuth through a service-account key file (RS256 JWT checked by the
// server with the public key), a refresh token, a fixed bearer token, and anonymous access.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "gcs_test_server.hpp"
#include "store/common/crypto.hpp"
#include "store/gcs/gcs_store.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using testing::list_all;
using testing::options;

const std::vector<std::string> object_names = {
    "a.tif",         "b/with space.tif", "b/plus+sign.tif", "b/percent%25.tif",
    "b/equals=.tif", "c/unicodé/ñ.tif",  "c/d/e/deep.tif",  "z.tif"};

std::string content_for(const std::string& name) {
  return "GCS object " + name + std::string(40, '.');
}

class GcsJsonApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::GcsServerOptions opts;
    opts.public_buckets = {"open"};
    opts.static_token = "fixed-test-token";
    opts.client_id = "cid";
    opts.client_secret = "csecret";
    opts.refresh_token = "rtoken";
    gcs_server = std::make_unique<testing::GcsTestServer>(opts);
    for (const auto& name : object_names) gcs_server->put("bkt", name, content_for(name));
    gcs_server->put("open", "public.tif", "public object");
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

  static std::unique_ptr<ObjectStore> open_with(const std::string& url, const std::map<std::string, std::string>& extra,
                                                std::map<std::string, std::string> env = {}) {
    return testing::open_or_fail(url, options(testing::gcs_values(gcs_server->endpoint(), extra), std::move(env)),
                                 test_engine);
  }
  static std::unique_ptr<ObjectStore> open_service_account(const std::string& url = "gs://bkt") {
    return open_with(url, {{"google_service_account", (*key_dir / "key.json").string()}});
  }

  static std::unique_ptr<testing::GcsTestServer> gcs_server;
  static std::unique_ptr<tdump::testing::TempDir> key_dir;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<testing::GcsTestServer> GcsJsonApiTest::gcs_server;
std::unique_ptr<tdump::testing::TempDir> GcsJsonApiTest::key_dir;
std::shared_ptr<http::Engine> GcsJsonApiTest::test_engine;

TEST_F(GcsJsonApiTest, ServiceAccountListsWithPageTokens) {
  auto store = open_service_account();
  auto listing = list_all(*store, "", 3);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  auto expected = object_names;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listing.keys(), expected);
  EXPECT_EQ(listing.page_sizes, (std::vector<std::size_t>{3, 3, 2}));
  for (const auto& o : listing.objects) {
    EXPECT_EQ(o.size, content_for(o.key).size());
    EXPECT_EQ(o.etag, base64_encode(*base64_decode(o.etag)));  // well-formed base64
    auto md5 = testing::md5_hex(content_for(o.key));
    EXPECT_EQ(hex_encode(*base64_decode(o.etag)), md5) << o.key;  // the server's etag is the MD5
    EXPECT_TRUE(o.last_modified_us.has_value());
  }
  EXPECT_EQ(list_all(*store, "b/", 1000).objects.size(), 4U);
  EXPECT_TRUE(list_all(*store, "nothing", 1000).objects.empty());
}

TEST_F(GcsJsonApiTest, MediaDownloadsWithRanges) {
  auto store = open_service_account();
  for (const auto& name : object_names) {
    auto content = content_for(name);
    auto all = store->read_range_blocking(name, {0, content.size()});
    ASSERT_TRUE(all.ok()) << name << ": " << all.error().describe();
    EXPECT_EQ(all->bytes, content);
    auto part = store->read_range_blocking(name, {4, 6});
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->bytes, content.substr(4, 6));
    EXPECT_EQ(part->object_size, content.size());
  }
  auto content = content_for("a.tif");
  auto past = store->read_range_blocking("a.tif", {content.size(), 10});
  ASSERT_TRUE(past.ok()) << past.error().describe();
  EXPECT_TRUE(past->bytes.empty());
  EXPECT_EQ(past->object_size, content.size());
  auto tail = store->read_range_blocking("a.tif", {content.size() - 3, 100});
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, content.substr(content.size() - 3));
}

TEST_F(GcsJsonApiTest, UrlPathIsTheRoot) {
  auto store = open_service_account("gs://bkt/c");
  EXPECT_EQ(list_all(*store, "", 10).keys(), (std::vector<std::string>{"d/e/deep.tif", "unicodé/ñ.tif"}));
  EXPECT_EQ(store->url_for("d/e/deep.tif"), "gs://bkt/c/d/e/deep.tif");
  auto read = store->read_range_blocking("d/e/deep.tif", {0, 3});
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->bytes, "GCS");
}

TEST_F(GcsJsonApiTest, OneTokenFetchServesManyConcurrentReads) {
  int before = gcs_server->token_requests();
  auto opened = open_store("gs://bkt",
                           options({{"google_endpoint", gcs_server->endpoint()},
                                    {"allow_http", "true"},
                                    {"google_service_account", (*key_dir / "key.json").string()}}),
                           test_engine);
  ASSERT_TRUE(opened.ok());
  auto* store = dynamic_cast<GcsStore*>(opened->get());
  ASSERT_NE(store, nullptr);
  constexpr int kReads = 64;
  std::atomic<int> ok{0};
  std::promise<void> all_done;
  std::atomic<int> remaining{kReads};
  for (int i = 0; i < kReads; ++i) {
    store->read_range(object_names[static_cast<std::size_t>(i) % object_names.size()], {0, 8},
                      [&](Result<RangeRead> r) {
                        if (r.ok() && r->bytes == "GCS obje") {
                          ++ok;
                        } else {
                          ADD_FAILURE() << (r.ok() ? "bytes: " + r->bytes : r.error().describe());
                        }
                        if (--remaining == 0) all_done.set_value();
                      });
  }
  all_done.get_future().wait();
  EXPECT_EQ(ok.load(), kReads);
  EXPECT_EQ(gcs_server->token_requests() - before, 1);
}

TEST_F(GcsJsonApiTest, ForeignKeyIsRefusedByTheTokenEndpoint) {
  tdump::testing::TempDir dir("gcsforeign");
  tdump::testing::write_file(dir / "key.json", gcs_server->foreign_service_account_json());
  auto store = open_with("gs://bkt", {{"service_account_path", (dir / "key.json").string()}});
  auto read = store->read_range_blocking("a.tif", {0, 4});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(read.error().remote_code, "invalid_grant");
  EXPECT_NE(read.error().message.find("/token"), std::string::npos);
  EXPECT_EQ(read.error().message.find("PRIVATE KEY"), std::string::npos);
  auto listing = list_all(*store, "", 10);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_EQ(listing.error->code, ErrorCode::kPermissionDenied);
}

TEST_F(GcsJsonApiTest, KeyFromEnvironmentAndInlineKey) {
  auto from_env = open_with("gs://bkt", {}, {{"GOOGLE_APPLICATION_CREDENTIALS", (*key_dir / "key.json").string()}});
  ASSERT_TRUE(from_env->read_range_blocking("z.tif", {0, 3}).ok());
  auto inline_key = open_with("gs://bkt", {{"service_account_key", gcs_server->service_account_json()}});
  ASSERT_TRUE(inline_key->read_range_blocking("z.tif", {0, 3}).ok());
}

TEST_F(GcsJsonApiTest, AuthorizedUserRefreshToken) {
  tdump::testing::TempDir dir("gcsuser");
  tdump::testing::write_file(dir / "adc.json",
                             R"({"type":"authorized_user","client_id":"cid","client_secret":"csecret",)"
                             R"("refresh_token":"rtoken","token_uri":")" +
                                 gcs_server->endpoint() + R"(/token"})");
  auto store = open_with("gs://bkt", {{"application_credentials", (dir / "adc.json").string()}});
  auto read = store->read_range_blocking("z.tif", {0, 3});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "GCS");
}

TEST_F(GcsJsonApiTest, BearerTokenAndAnonymous) {
  auto bearer = open_with("gs://bkt", {{"google_bearer_token", "fixed-test-token"}});
  EXPECT_EQ(list_all(*bearer, "", 100).objects.size(), object_names.size());
  auto wrong = open_with("gs://bkt", {{"bearer_token", "not-the-token"}});
  auto denied = wrong->read_range_blocking("a.tif", {0, 4});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.error().http_status, 401);
  EXPECT_EQ(denied.error().describe().find("not-the-token"), std::string::npos);

  auto anonymous = open_with("gs://open", {{"skip_signature", "true"}});
  auto read = anonymous->read_range_blocking("public.tif", {0, 6});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "public");
  auto anonymous_private = open_with("gs://bkt", {{"skip_signature", "true"}});
  auto refused = anonymous_private->read_range_blocking("a.tif", {0, 4});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(GcsJsonApiTest, MissingObjectAndBucket) {
  auto store = open_service_account();
  auto missing = store->read_range_blocking("nope.tif", {0, 4});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().remote_code, "notFound");
  EXPECT_NE(missing.error().message.find("gs://bkt/nope.tif"), std::string::npos);
  auto no_bucket = open_service_account("gs://no-such-bucket");
  auto listing = list_all(*no_bucket, "", 10);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_EQ(listing.error->code, ErrorCode::kNotFound);
}

TEST(GcsTokenRefresh, ExpiringTokensAreRefreshed) {
  testing::GcsServerOptions opts;
  opts.token_lifetime_seconds = 2;  // expired by the second read: the provider must fetch a new one
  testing::GcsTestServer server(opts);
  server.put("bkt", "k.tif", "0123456789");
  tdump::testing::TempDir dir("gcsrefresh");
  tdump::testing::write_file(dir / "key.json", server.service_account_json());
  auto engine = testing::quick_engine();
  auto store = open_store("gs://bkt",
                          options({{"google_endpoint", server.endpoint()},
                                   {"allow_http", "true"},
                                   {"google_service_account", (dir / "key.json").string()}}),
                          engine);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->read_range_blocking("k.tif", {0, 4}).ok());
  EXPECT_EQ(server.token_requests(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto again = (*store)->read_range_blocking("k.tif", {0, 4});
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(server.token_requests(), 2);
  engine->shutdown();
}

}  // namespace
}  // namespace tdump::store
