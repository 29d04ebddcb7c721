// The HTTP store against nginx: WebDAV PROPFIND (Depth: 1) recursion over nested folders with
// percent-encoded names, ranged GETs, 416 past the end, a server ignoring Range, and a
// location without WebDAV.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "servers.hpp"
#include "store/key_file.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

using testing::list_all;
using testing::options;

const std::vector<std::string> file_names = {"a.tif",
                                             "dir/with space.tif",
                                             "dir/plus+sign.tif",
                                             "dir/percent%.tif",
                                             "dir/sub/deep.tif",
                                             "dir/sub/more/x.tif",
                                             "unicodé/ñ.tif",
                                             "a-b.tif",
                                             "a.b/c.tif"};

std::string content_for(const std::string& name) {
  return "served file " + name + std::string(50, '~');
}

class NginxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    nginx_server = std::make_unique<tdump::testing::NginxServer>(
        1, "    location /norange/ { max_ranges 0; }\n    location /plain/ { }\n");
    for (const auto& name : file_names)
      tdump::testing::write_file(nginx_server->root() / "data" / name, content_for(name));
    tdump::testing::write_file(nginx_server->root() / "norange/f.tif", "0123456789abcdef");
    tdump::testing::write_file(nginx_server->root() / "plain/f.tif", "plain");
    test_engine = testing::quick_engine();
  }
  static void TearDownTestSuite() {
    test_engine->shutdown();
    test_engine.reset();
    nginx_server.reset();
  }
  static std::unique_ptr<ObjectStore> open(const std::string& path) {
    return testing::open_or_fail(nginx_server->base_url() + path, options({}), test_engine);
  }

  static std::unique_ptr<tdump::testing::NginxServer> nginx_server;
  static std::shared_ptr<http::Engine> test_engine;
};
std::unique_ptr<tdump::testing::NginxServer> NginxTest::nginx_server;
std::shared_ptr<http::Engine> NginxTest::test_engine;

TEST_F(NginxTest, PropfindRecursionListsEveryFileInOrder) {
  auto store = open("/data/");
  auto listing = list_all(*store, "", 2);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  auto expected = file_names;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listing.keys(), expected);
  for (auto size : listing.page_sizes) EXPECT_LE(size, 2U);
  for (const auto& o : listing.objects) {
    EXPECT_EQ(o.size, content_for(o.key).size()) << o.key;
    struct stat st {};
    ASSERT_EQ(stat((nginx_server->root() / "data" / o.key).c_str(), &st), 0);
    ASSERT_TRUE(o.last_modified_us.has_value());
    EXPECT_EQ(*o.last_modified_us / 1'000'000, st.st_mtime) << o.key;
    EXPECT_TRUE(o.etag.empty());  // nginx's PROPFIND has no getetag
  }
  EXPECT_EQ(list_all(*store, "dir/sub", 10).keys(),
            (std::vector<std::string>{"dir/sub/deep.tif", "dir/sub/more/x.tif"}));
  EXPECT_EQ(list_all(*store, "a", 10).keys(), (std::vector<std::string>{"a-b.tif", "a.b/c.tif", "a.tif"}));
  EXPECT_TRUE(list_all(*store, "missing/dir/", 10).objects.empty());
}

TEST_F(NginxTest, RangedReadsOfEncodedNames) {
  auto store = open("/data");
  for (const auto& name : file_names) {
    auto content = content_for(name);
    auto part = store->read_range_blocking(name, {3, 9});
    ASSERT_TRUE(part.ok()) << name << ": " << part.error().describe();
    EXPECT_EQ(part->bytes, content.substr(3, 9)) << name;
    EXPECT_EQ(part->object_size, content.size());
  }
  auto content = content_for("a.tif");
  auto past = store->read_range_blocking("a.tif", {content.size(), 10});
  ASSERT_TRUE(past.ok()) << past.error().describe();
  EXPECT_TRUE(past->bytes.empty());
  EXPECT_EQ(past->object_size, content.size());
  auto tail = store->read_range_blocking("a.tif", {content.size() - 5, 1000});
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, content.substr(content.size() - 5));
  auto missing = store->read_range_blocking("nope.tif", {0, 10});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_NE(missing.error().message.find(nginx_server->base_url() + "/data/nope.tif"), std::string::npos);
}

TEST_F(NginxTest, ServerIgnoringRangeIsSliced) {
  auto store = open("/norange");
  auto read = store->read_range_blocking("f.tif", {4, 6});
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(read->bytes, "456789");
  EXPECT_EQ(read->object_size, 16U);
  auto past = store->read_range_blocking("f.tif", {20, 6});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->bytes.empty());
  EXPECT_EQ(past->object_size, 16U);
}

TEST_F(NginxTest, LocationWithoutWebDavSaysSo) {
  auto store = open("/plain");
  auto listing = list_all(*store, "", 10);
  ASSERT_TRUE(listing.error.has_value());
  EXPECT_EQ(listing.error->code, ErrorCode::kUnsupported);
  EXPECT_NE(listing.error->message.find("PROPFIND"), std::string::npos);
  auto read = store->read_range_blocking("f.tif", {0, 5});  // reads still work
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->bytes, "plain");
}

TEST_F(NginxTest, KeyFileWithFullUrls) {
  auto store = open("/data");
  tdump::testing::TempDir dir("httpkeys");
  tdump::testing::write_file(dir / "keys", store->url_for("dir/with space.tif") + "\n" + nginx_server->base_url() +
                                               "/data/unicod%C3%A9/%C3%B1.tif\n");
  auto stream = keys_from_file((dir / "keys").string(), *store);
  ASSERT_TRUE(stream.ok());
  auto page = (*stream)->next();
  ASSERT_TRUE(page.ok() && page->has_value()) << (page.ok() ? "" : page.error().message);
  ASSERT_EQ((*page)->objects.size(), 2U);
  EXPECT_EQ((*page)->objects[0].key, "dir/with space.tif");
  EXPECT_EQ((*page)->objects[1].key, "unicodé/ñ.tif");
  EXPECT_EQ(store->url_for("dir/with space.tif"), nginx_server->base_url() + "/data/dir/with%20space.tif");
}

}  // namespace
}  // namespace tdump::store
