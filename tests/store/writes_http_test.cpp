// ObjectStore writes on nginx's WebDAV module: PUT and DELETE with awkward names, overwrite, a
// 24 MiB body, missing parent collections made with MKCOL where nginx does not create them
// itself, and a location without WebDAV refusing. Files are checked on nginx's disk.
#include <gtest/gtest.h>

#include <filesystem>

#include "net.hpp"
#include "servers.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {
namespace fs = std::filesystem;

class HttpWritesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    nginx_server = std::make_unique<tdump::testing::NginxServer>(
        1,
        "    location /dav/ { dav_methods PUT DELETE MKCOL; create_full_put_path on; client_max_body_size 0;\n"
        "                     dav_ext_methods PROPFIND OPTIONS; }\n"
        "    location /strict/ { dav_methods PUT DELETE MKCOL; client_max_body_size 0; }\n"
        "    location /readonly/ { }\n");
    fs::create_directories(nginx_server->root() / "dav");
    fs::create_directories(nginx_server->root() / "strict");
    fs::create_directories(nginx_server->root() / "readonly");
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    nginx_server.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& path) {
    return testing::open_or_fail(nginx_server->base_url() + path, testing::options({}), test_engine);
  }

  static std::unique_ptr<tdump::testing::NginxServer> nginx_server;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<tdump::testing::NginxServer> HttpWritesTest::nginx_server;
std::shared_ptr<http::Engine> HttpWritesTest::test_engine;

TEST_F(HttpWritesTest, PutsAwkwardNamesOverwritesAndDeletes) {
  auto store = open("/dav/run 1");
  ASSERT_TRUE(store);
  const fs::path root = nginx_server->root() / "dav" / "run 1";
  testing::check_put_overwrite_delete(*store, [&root](const std::string& key) -> std::optional<std::string> {
    if (!fs::exists(root / key)) return std::nullopt;
    return tdump::testing::read_file(root / key);
  });
}

TEST_F(HttpWritesTest, MissingParentCollectionsAreMadeWithMkcol) {
  // Without create_full_put_path nginx refuses a PUT below a missing folder (500, where RFC 4918
  // says 409): the store makes the folders with MKCOL first.
  auto plain = tdump::testing::simple_http("PUT", nginx_server->port(), "/strict/missing/x.bin", "x");
  EXPECT_EQ(plain.status, 500) << "nginx's own answer changed: the test no longer shows the need for MKCOL";
  auto store = open("/strict");
  ASSERT_TRUE(store);
  auto put = store->put_object("a/b c/d.bin", "deep");
  ASSERT_TRUE(put.ok()) << put.error().describe();
  EXPECT_EQ(tdump::testing::read_file(nginx_server->root() / "strict/a/b c/d.bin"), "deep");
  auto sibling = store->put_object("a/b c/e.bin", "sibling");  // the folders exist now
  ASSERT_TRUE(sibling.ok()) << sibling.error().describe();
  EXPECT_EQ(tdump::testing::read_file(nginx_server->root() / "strict/a/b c/e.bin"), "sibling");
}

TEST_F(HttpWritesTest, PutsTensOfMegabytesIntact) {
  auto store = open("/dav");
  ASSERT_TRUE(store);
  const auto payload = testing::test_payload(24U << 20, 13);
  auto put = store->put_object("big/file.parquet", payload);
  ASSERT_TRUE(put.ok()) << put.error().describe();
  auto back = tdump::testing::read_file(nginx_server->root() / "dav/big/file.parquet");
  ASSERT_EQ(back.size(), payload.size());
  EXPECT_EQ(testing::md5_hex(back), testing::md5_hex(payload));
}

TEST_F(HttpWritesTest, ALocationWithoutWebDavRefuses) {
  auto store = open("/readonly");
  ASSERT_TRUE(store);
  auto put = store->put_object("x.bin", "x");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kHttp);
  EXPECT_EQ(put.error().http_status, 405);
  EXPECT_NE(put.error().message.find("PUT " + nginx_server->base_url() + "/readonly/x.bin"), std::string::npos)
      << put.error().message;
  EXPECT_FALSE(fs::exists(nginx_server->root() / "readonly/x.bin"));
}

}  // namespace
}  // namespace tdump::store
