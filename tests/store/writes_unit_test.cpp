// Writes without servers: the local store (temp file, rename, no leftovers, keys that would
// leave the folder), anonymous refusal before any request, and store_kind_of_url.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "http/engine.hpp"
#include "store/object_store.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {
namespace fs = std::filesystem;
using tdump::testing::TempDir;

// Options with no environment, so the host's AWS_* / AZURE_* variables play no part.
StoreOptions options(std::map<std::string, std::string> values) {
  StoreOptions o;
  o.values = std::move(values);
  o.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  o.home = "/nonexistent";
  return o;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(fs::relative(e.path(), dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(LocalStoreWrites, PutCreatesFoldersReplacesWholeAndLeavesNoTempFile) {
  TempDir tmp;
  auto store = open_store(tmp.path().string(), options({}), nullptr);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->put_object("a/b c/d.bin", "first").ok());
  EXPECT_EQ(tdump::testing::read_file(tmp.path() / "a/b c/d.bin"), "first");
  ASSERT_TRUE((*store)->put_object("a/b c/d.bin", "second, longer").ok());
  EXPECT_EQ(tdump::testing::read_file(tmp.path() / "a/b c/d.bin"), "second, longer");
  ASSERT_TRUE((*store)->put_object("empty.bin", "").ok());
  EXPECT_EQ(fs::file_size(tmp.path() / "empty.bin"), 0U);
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"a", "a/b c", "a/b c/d.bin", "empty.bin"}));
  // A read through the store sees what was written.
  auto read = (*store)->read_range_blocking("a/b c/d.bin", {0, 100});
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->bytes, "second, longer");
}

TEST(LocalStoreWrites, DeleteRemovesAndAMissingFileIsSuccess) {
  TempDir tmp;
  auto store = open_store("file://" + tmp.path().string(), options({}), nullptr);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE((*store)->put_object("x.bin", "x").ok());
  ASSERT_TRUE((*store)->delete_object("x.bin").ok());
  EXPECT_FALSE(fs::exists(tmp.path() / "x.bin"));
  EXPECT_TRUE((*store)->delete_object("x.bin").ok());
  EXPECT_TRUE((*store)->delete_object("no/such/folder/x.bin").ok());
}

TEST(LocalStoreWrites, KeysLeavingTheFolderAreRefused) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "root");
  auto store = open_store((tmp.path() / "root").string(), options({}), nullptr);
  ASSERT_TRUE(store.ok());
  for (std::string key : {"../escape.bin", "a/../../escape.bin", "/abs.bin", "dir/"}) {
    auto put = (*store)->put_object(key, "x");
    ASSERT_FALSE(put.ok()) << key;
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument) << key;
  }
  EXPECT_FALSE((*store)->delete_object("../escape.bin").ok());
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"root"}));
}

TEST(StoreWrites, AnonymousRemoteStoresRefuseBeforeSendingAnything) {
  // The endpoint is a closed port: a request would fail with a network error, not this one.
  auto created = http::Engine::create(http::ClientConfig{});
  ASSERT_TRUE(created.ok());
  std::shared_ptr<http::Engine> engine = std::move(*created);
  struct Case {
    std::string url;
    std::map<std::string, std::string> values;
  };
  std::vector<Case> cases = {
      {"s3://bucket/out", {{"skip_signature", "true"}, {"endpoint", "http://127.0.0.1:9"}, {"allow_http", "true"}}},
      {"gs://bucket/out", {{"skip_signature", "true"}, {"endpoint", "http://127.0.0.1:9"}, {"allow_http", "true"}}},
      {"az://container/out",
       {{"skip_signature", "true"}, {"endpoint", "http://127.0.0.1:9/acct"}, {"allow_http", "true"}}},
  };
  for (const auto& c : cases) {
    auto store = open_store(c.url, options(c.values), engine);
    ASSERT_TRUE(store.ok()) << c.url << ": " << store.error().message;
    auto put = (*store)->put_object("k", "x");
    ASSERT_FALSE(put.ok()) << c.url;
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument) << c.url << ": " << put.error().message;
    EXPECT_NE(put.error().message.find("writing needs credentials"), std::string::npos) << put.error().message;
    EXPECT_FALSE((*store)->delete_object("k").ok()) << c.url;
  }
  EXPECT_EQ(engine->stats().requests, 0U);
  engine->shutdown();
}

TEST(StoreKind, FromTheUrlAsOpenStoreWouldPickIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"s3://b/p", "s3"},
      {"S3A://b", "s3"},
      {"https://b.s3.us-west-2.amazonaws.com/p", "s3"},
      {"https://acct.r2.cloudflarestorage.com/b", "s3"},
      {"gs://b/p", "gs"},
      {"az://c/p", "az"},
      {"abfss://c@acct.dfs.core.windows.net/p", "az"},
      {"https://acct.blob.core.windows.net/c", "az"},
      {"http://127.0.0.1:8080/dav/", "http"},
      {"https://example.com/data", "http"},
      {"file:///tmp/x", "file"},
      {"relative/dir", "file"},
      {"/abs/dir", "file"},
  };
  for (const auto& [url, kind] : cases) {
    auto got = store_kind_of_url(url);
    ASSERT_TRUE(got.ok()) << url;
    EXPECT_EQ(*got, kind) << url;
  }
  EXPECT_FALSE(store_kind_of_url("ftp://host/x").ok());
  EXPECT_FALSE(store_kind_of_url("").ok());
}

}  // namespace
}  // namespace tdump::store
