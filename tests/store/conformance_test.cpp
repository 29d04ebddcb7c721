// One conformance suite that every store runs (issue 12 item 4): the same cases against the local
// filesystem store, S3 (moto_server), GCS (our JSON-API test server), Azure (Azurite), WebDAV
// (nginx dav) and a read-only HTTP location (nginx without DAV write methods). Objects are seeded
// and read back by the test's own means (plain HTTP requests to the servers, or their files on
// disk), never through the store under test. What a backend cannot do is a capability that the
// case checks (a read-only store must refuse to write), not a silent skip.
//
// The contract checked is ObjectStore's (src/store/object_store.hpp) and docs/store.md "Listing":
// ranges are the requested slice, shorter when the object ends first, empty with the size known
// when they start at or past the end; a missing key is kNotFound; every key under a prefix is
// listed exactly once, in byte order, in pages no larger than asked; a prefix is a string prefix,
// not a folder; a parallel or ranged listing gives the same keys as a sequential one.
#include <gtest/gtest.h>

#include <thread>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gcs_test_server.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "store/object_store.hpp"
#include "store_test_helpers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {
namespace fs = std::filesystem;

// What a backend can do, stated per backend so that a case checks the refusal where the backend
// legitimately cannot.
struct Capabilities {
  bool writable = true;           // put_object / delete_object change the store
  bool creates_if_absent = true;  // put_object_if_absent: a create-only write the server decides
};

// A backend: a running server (or a folder) on which each case gets a fresh root of its own.
class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual Capabilities capabilities() const { return {}; }
  // A store rooted at `root` (a folder / key prefix of its own, created when the backend needs it).
  virtual std::unique_ptr<ObjectStore> open(const std::string& root) = 0;
  // Stores `bytes` as `root/key` by the test's own means.
  virtual void seed(const std::string& root, const std::string& key, std::string_view bytes) = 0;
  // The object `root/key` read by the test's own means; nullopt when it does not exist.
  virtual std::optional<std::string> read_back(const std::string& root, const std::string& key) = 0;

 protected:
  static std::unique_ptr<ObjectStore> open_url(const std::string& url, const std::map<std::string, std::string>& values,
                                               const std::shared_ptr<http::Engine>& engine) {
    return testing::open_or_fail(url, testing::options(values), engine);
  }
  static std::optional<std::string> file_or_nothing(const fs::path& path) {
    if (!fs::is_regular_file(path)) return std::nullopt;
    return tdump::testing::read_file(path);
  }
  static std::optional<std::string> body_or_nothing(const tdump::testing::SimpleResponse& response,
                                                    const std::string& what) {
    if (response.status == 404) return std::nullopt;
    EXPECT_EQ(response.status, 200) << what << ": " << response.body;
    return response.body;
  }
};

class LocalBackend final : public Backend {
 public:
  std::unique_ptr<ObjectStore> open(const std::string& root) override {
    fs::create_directories(dir_ / root);
    return open_url((dir_ / root).string(), {}, nullptr);
  }
  void seed(const std::string& root, const std::string& key, std::string_view bytes) override {
    tdump::testing::write_file(dir_ / root / key, bytes);
  }
  std::optional<std::string> read_back(const std::string& root, const std::string& key) override {
    return file_or_nothing(dir_ / root / key);
  }

 private:
  tdump::testing::TempDir dir_{"conformance"};
};

class S3Backend final : public Backend {
 public:
  explicit S3Backend(std::shared_ptr<http::Engine> engine) : engine_(std::move(engine)) {
    moto_.create_bucket("conformance");
    moto_.make_public("conformance");  // so that read_back's plain GETs are answered
  }
  std::unique_ptr<ObjectStore> open(const std::string& root) override {
    return open_url("s3://conformance/" + root, testing::moto_values(moto_), engine_);
  }
  void seed(const std::string& root, const std::string& key, std::string_view bytes) override {
    moto_.put_object("conformance", root + "/" + key, bytes);
  }
  std::optional<std::string> read_back(const std::string& root, const std::string& key) override {
    // moto checks no signature unless asked (tests/support/servers.hpp).
    return body_or_nothing(testing::moto_get(moto_, "conformance", root + "/" + key), "GET " + key);
  }

 private:
  std::shared_ptr<http::Engine> engine_;
  tdump::testing::MotoServer moto_;
};

class GcsBackend final : public Backend {
 public:
  explicit GcsBackend(std::shared_ptr<http::Engine> engine) : engine_(std::move(engine)), server_(server_options()) {
    fs::create_directories(server_.root() / "conformance");
  }
  std::unique_ptr<ObjectStore> open(const std::string& root) override {
    return open_url("gs://conformance/" + root, testing::gcs_values(server_.endpoint(), {{"bearer_token", kToken}}),
                    engine_);
  }
  // The server's objects are its files (gcs_json_api_server.py).
  void seed(const std::string& root, const std::string& key, std::string_view bytes) override {
    server_.put("conformance", root + "/" + key, bytes);
  }
  std::optional<std::string> read_back(const std::string& root, const std::string& key) override {
    return file_or_nothing(server_.root() / "conformance" / root / key);
  }

 private:
  static constexpr const char* kToken = "conformance-token";
  static testing::GcsServerOptions server_options() {
    testing::GcsServerOptions options;
    options.static_token = kToken;
    return options;
  }
  std::shared_ptr<http::Engine> engine_;
  testing::GcsTestServer server_;
};

class AzureBackend final : public Backend {
 public:
  explicit AzureBackend(std::shared_ptr<http::Engine> engine) : engine_(std::move(engine)) {
    azurite_.create_container("conformance", false);
  }
  std::unique_ptr<ObjectStore> open(const std::string& root) override {
    // The emulator's well-known account and key (Shared Key).
    return open_url("az://conformance/" + root, testing::azurite_values(azurite_), engine_);
  }
  void seed(const std::string& root, const std::string& key, std::string_view bytes) override {
    azurite_.put_blob("conformance", root + "/" + key, bytes);
  }
  std::optional<std::string> read_back(const std::string& root, const std::string& key) override {
    return body_or_nothing(testing::azurite_get(azurite_, "conformance", root + "/" + key), "GET blob " + key);
  }

 private:
  std::shared_ptr<http::Engine> engine_;
  tdump::testing::AzuriteServer azurite_;
};

// nginx: /dav/ takes PUT / DELETE / MKCOL (WebDAV), /ro/ only answers GET and PROPFIND.
class NginxBackend final : public Backend {
 public:
  NginxBackend(std::shared_ptr<tdump::testing::NginxServer> nginx, std::string location, bool writable,
               std::shared_ptr<http::Engine> engine)
      : nginx_(std::move(nginx)), location_(std::move(location)), writable_(writable), engine_(std::move(engine)) {}
  // WebDAV has no create-only write here (If-None-Match on PUT is not in nginx's dav module).
  [[nodiscard]] Capabilities capabilities() const override {
    return {.writable = writable_, .creates_if_absent = false};
  }
  std::unique_ptr<ObjectStore> open(const std::string& root) override {
    fs::create_directories(folder(root));
    return open_url(nginx_->base_url() + "/" + location_ + "/" + tdump::testing::url_encode_path(root), {}, engine_);
  }
  void seed(const std::string& root, const std::string& key, std::string_view bytes) override {
    tdump::testing::write_file(folder(root) / key, bytes);
  }
  std::optional<std::string> read_back(const std::string& root, const std::string& key) override {
    return file_or_nothing(folder(root) / key);
  }

  static std::shared_ptr<tdump::testing::NginxServer> start() {
    auto nginx = std::make_shared<tdump::testing::NginxServer>(
        1,
        "    location /dav/ { dav_methods PUT DELETE MKCOL; create_full_put_path on; client_max_body_size 0;\n"
        "                     dav_ext_methods PROPFIND OPTIONS; }\n"
        "    location /ro/ { dav_ext_methods PROPFIND OPTIONS; }\n");
    fs::create_directories(nginx->root() / "dav");
    fs::create_directories(nginx->root() / "ro");
    return nginx;
  }

 private:
  [[nodiscard]] fs::path folder(const std::string& root) const { return nginx_->root() / location_ / root; }
  std::shared_ptr<tdump::testing::NginxServer> nginx_;
  std::string location_;
  bool writable_;
  std::shared_ptr<http::Engine> engine_;
};

// Servers start on first use and stay up for the whole binary (a filter that selects one backend
// starts one server); the environment stops them before static destruction.
class Backends : public ::testing::Environment {
 public:
  static Backend& get(const std::string& name) {
    auto& slot = backends()[name];
    if (!slot) {
      if (!engine()) engine() = testing::quick_engine();
      if (name == "local") {
        slot = std::make_unique<LocalBackend>();
      } else if (name == "s3") {
        slot = std::make_unique<S3Backend>(engine());
      } else if (name == "gcs") {
        slot = std::make_unique<GcsBackend>(engine());
      } else if (name == "azure") {
        slot = std::make_unique<AzureBackend>(engine());
      } else if (name == "webdav" || name == "http_readonly") {
        if (!nginx()) nginx() = NginxBackend::start();
        slot = name == "webdav" ? std::make_unique<NginxBackend>(nginx(), "dav", true, engine())
                                : std::make_unique<NginxBackend>(nginx(), "ro", false, engine());
      } else {
        throw std::invalid_argument("no backend " + name);
      }
    }
    return *slot;
  }
  void TearDown() override {
    if (engine()) engine()->shutdown();
    backends().clear();
    nginx().reset();
    engine().reset();
  }

 private:
  static std::map<std::string, std::unique_ptr<Backend>>& backends() {
    static std::map<std::string, std::unique_ptr<Backend>> all;
    return all;
  }
  static std::shared_ptr<tdump::testing::NginxServer>& nginx() {
    static std::shared_ptr<tdump::testing::NginxServer> server;
    return server;
  }
  static std::shared_ptr<http::Engine>& engine() {
    static std::shared_ptr<http::Engine> shared;
    return shared;
  }
};
[[maybe_unused]] auto* const kBackendsEnvironment = ::testing::AddGlobalTestEnvironment(new Backends);

// Keys that break naive URL building, signing, XML or JSON handling and percent-decoding.
const std::vector<std::string>& awkward_keys() {
  static const std::vector<std::string> kKeys = {"with space.tif",
                                                 "plus+sign.tif",
                                                 "percent%41.tif",
                                                 "percent%2F.tif",
                                                 "unicod\xC3\xA9/\xC3\xB1o\xC3\xB1o.tif",
                                                 "quote'\"s.tif",
                                                 "amp&lt<gt>.tif",
                                                 "equals=sign.tif",
                                                 "question?.tif",
                                                 "hash#tag.tif",
                                                 "semi;colon,comma.tif",
                                                 "tilde~under_score-dash.tif"};
  return kKeys;
}

std::string content_for(const std::string& key) {
  return "bytes of <" + key + "> " + std::string(key.size() % 7 + 3, '#');
}

std::vector<std::string> sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = &Backends::get(GetParam());
    // A root of the case's own, so that cases never see each other's objects.
    root_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = root_.substr(0, root_.find('/'));
  }
  std::unique_ptr<ObjectStore> open() { return backend_->open(root_); }
  void seed(const std::string& key, std::string_view bytes) { backend_->seed(root_, key, bytes); }
  void seed_all(const std::vector<std::string>& keys) {
    for (const auto& key : keys) seed(key, content_for(key));
  }
  std::optional<std::string> read_back(const std::string& key) { return backend_->read_back(root_, key); }

  Backend* backend_ = nullptr;
  std::string root_;
};

// Each page no larger than asked; every key once, in byte order (docs/store.md "Listing").
void expect_listed_exactly(const testing::Listing& listing, const std::vector<std::string>& expected,
                           std::size_t page_size) {
  ASSERT_FALSE(listing.error) << listing.error->describe();
  EXPECT_EQ(listing.keys(), sorted(expected));
  for (std::size_t size : listing.page_sizes) {
    EXPECT_GE(size, 1U) << "an empty page was handed out";
    if (page_size != 0) {
      EXPECT_LE(size, page_size);
    }
  }
}

TEST_P(StoreConformance, RangedReadsInsideAcrossAndPastTheEnd) {
  const std::string payload = testing::test_payload(1000, 7);
  seed("object.bin", payload);
  auto store = open();
  ASSERT_TRUE(store);
  struct Case {
    ByteRange range;
    std::uint64_t expected_length;
  };
  for (const Case& c : {Case{{0, 100}, 100}, Case{{123, 456}, 456}, Case{{999, 1}, 1}, Case{{900, 500}, 100},
                        Case{{0, 1000}, 1000}, Case{{0, 4096}, 1000}, Case{{1000, 10}, 0}, Case{{5000, 10}, 0}}) {
    SCOPED_TRACE("offset " + std::to_string(c.range.offset) + " length " + std::to_string(c.range.length));
    auto read = store->read_range_blocking("object.bin", c.range);
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->offset, c.range.offset);
    EXPECT_EQ(read->bytes, payload.substr(std::min<std::uint64_t>(c.range.offset, payload.size()), c.expected_length));
    EXPECT_EQ(read->object_size, payload.size());
  }
}

TEST_P(StoreConformance, MissingKeysAreNotFound) {
  seed("present.tif", "here");
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string key : {"absent.tif", "present.tif.bak", "no/such/folder/x.tif", "present.tif/x"}) {
    SCOPED_TRACE(key);
    auto read = store->read_range_blocking(key, {0, 16});
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound) << read.error().describe();
  }
  // A prefix with no keys under it is an empty listing, not an error.
  auto listing = testing::list_all(*store, "nothing/here/", 0);
  expect_listed_exactly(listing, {}, 0);
}

TEST_P(StoreConformance, SizesFromReadsAndListingsAgree) {
  const std::map<std::string, std::string> objects = {
      {"empty.bin", ""}, {"one.bin", "1"}, {"sub/kib.bin", testing::test_payload(1024, 3)}};
  for (const auto& [key, bytes] : objects) seed(key, bytes);
  auto store = open();
  ASSERT_TRUE(store);
  for (const auto& [key, bytes] : objects) {
    SCOPED_TRACE(key);
    auto head = store->read_range_blocking(key, {0, 1});  // the stores' "head": size from a 1-byte read
    ASSERT_TRUE(head.ok()) << head.error().describe();
    EXPECT_EQ(head->object_size, bytes.size());
    EXPECT_EQ(head->bytes, bytes.substr(0, 1));
  }
  auto listing = testing::list_all(*store, "", 0);
  ASSERT_FALSE(listing.error) << listing.error->describe();
  ASSERT_EQ(listing.objects.size(), objects.size());
  for (const auto& object : listing.objects) {
    SCOPED_TRACE(object.key);
    ASSERT_TRUE(objects.count(object.key));
    EXPECT_EQ(object.size, objects.at(object.key).size());
    EXPECT_TRUE(object.last_modified_us.has_value());
  }
}

TEST_P(StoreConformance, TinyPagesListEveryKeyOnce) {
  const std::vector<std::string> keys = {"a.tif", "b/1.tif", "b/2.tif", "b/c/3.tif", "d.tif", "e/f/g/h.tif", "z.tif"};
  seed_all(keys);
  auto store = open();
  ASSERT_TRUE(store);
  for (std::size_t page_size : {1U, 2U, 3U, 0U}) {
    SCOPED_TRACE("page size " + std::to_string(page_size));
    auto listing = testing::list_all(*store, "", page_size);
    expect_listed_exactly(listing, keys, page_size);
    if (page_size == 1) {
      EXPECT_EQ(listing.page_sizes.size(), keys.size());
    }
    expect_listed_exactly(testing::list_all(*store, "b/", page_size), {"b/1.tif", "b/2.tif", "b/c/3.tif"}, page_size);
  }
}

TEST_P(StoreConformance, AwkwardKeysListReadAndRoundTripThroughUrls) {
  seed_all(awkward_keys());
  auto store = open();
  ASSERT_TRUE(store);
  expect_listed_exactly(testing::list_all(*store, "", 2), awkward_keys(), 2);
  for (const auto& key : awkward_keys()) {
    SCOPED_TRACE(key);
    auto read = store->read_range_blocking(key, {0, 4096});
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->bytes, content_for(key));
    EXPECT_EQ(store->key_for_url(store->url_for(key)), key) << store->url_for(key);
  }
  // Prefixes with awkward characters select only their own keys.
  expect_listed_exactly(testing::list_all(*store, "percent%4", 1), {"percent%41.tif"}, 1);
  expect_listed_exactly(testing::list_all(*store, "unicod\xC3\xA9/", 1), {"unicod\xC3\xA9/\xC3\xB1o\xC3\xB1o.tif"}, 1);
  expect_listed_exactly(testing::list_all(*store, "amp&", 1), {"amp&lt<gt>.tif"}, 1);
}

TEST_P(StoreConformance, PutOverwriteDelete) {
  seed("existing.tif", "seeded");
  auto store = open();
  ASSERT_TRUE(store);
  if (!backend_->capabilities().writable) {
    // A read-only store refuses, and nothing changes on the server.
    auto put = store->put_object("new.tif", "refused");
    EXPECT_FALSE(put.ok()) << "a read-only store accepted a write";
    EXPECT_EQ(read_back("new.tif"), std::nullopt);
    EXPECT_FALSE(store->delete_object("existing.tif").ok()) << "a read-only store accepted a delete";
    EXPECT_EQ(read_back("existing.tif"), "seeded");
    return;
  }
  for (const auto& key : std::vector<std::string>{"new.tif", "deep/er/new.tif", awkward_keys()[0], awkward_keys()[2],
                                                  awkward_keys()[4], awkward_keys()[5], awkward_keys()[6]}) {
    SCOPED_TRACE(key);
    auto put = store->put_object(key, "first " + key);
    ASSERT_TRUE(put.ok()) << put.error().describe();
    EXPECT_EQ(read_back(key), "first " + key);
    auto read = store->read_range_blocking(key, {0, 1024});
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->bytes, "first " + key);
    // Overwrites, longer and then shorter: no bytes of an earlier body remain.
    ASSERT_TRUE(store->put_object(key, "second, longer: " + key).ok());
    EXPECT_EQ(read_back(key), "second, longer: " + key);
    ASSERT_TRUE(store->put_object(key, "3").ok());
    EXPECT_EQ(read_back(key), "3");
    read = store->read_range_blocking(key, {0, 1024});
    ASSERT_TRUE(read.ok()) << read.error().describe();
    EXPECT_EQ(read->bytes, "3");
    EXPECT_EQ(read->object_size, 1U);
    auto removed = store->delete_object(key);
    ASSERT_TRUE(removed.ok()) << removed.error().describe();
    EXPECT_EQ(read_back(key), std::nullopt);
    read = store->read_range_blocking(key, {0, 16});
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(store->delete_object(key).ok()) << "a second delete of the same key";
  }
  // Only the seeded object is left.
  expect_listed_exactly(testing::list_all(*store, "", 0), {"existing.tif"}, 0);
  EXPECT_EQ(read_back("existing.tif"), "seeded");
}

// The create-only write shard plans rely on (dump/shard_plan.hpp): of several writers of one
// key, exactly one creates it, and the object is that writer's; an existing object is never
// replaced.
TEST_P(StoreConformance, CreateIfAbsentHasExactlyOneWinner) {
  seed("existing.json", "seeded");
  auto store = open();
  ASSERT_TRUE(store);
  if (!backend_->capabilities().writable || !backend_->capabilities().creates_if_absent) {
    auto created = store->put_object_if_absent("plan.json", "refused");
    ASSERT_FALSE(created.ok()) << "a store without create-only writes claimed one";
    EXPECT_EQ(read_back("plan.json"), std::nullopt);
    return;
  }
  auto existing = store->put_object_if_absent("existing.json", "replaced?");
  ASSERT_TRUE(existing.ok()) << existing.error().describe();
  EXPECT_FALSE(*existing);
  EXPECT_EQ(read_back("existing.json"), "seeded");
  // Eight writers at once.
  constexpr int kWriters = 8;
  std::vector<std::optional<Result<bool>>> results(kWriters);
  {
    std::vector<std::jthread> writers;
    for (int i = 0; i < kWriters; ++i) {
      writers.emplace_back([&, i] {
        results[static_cast<std::size_t>(i)] =
            store->put_object_if_absent("_tiff_dumper/plan.json", "plan of writer " + std::to_string(i));
      });
    }
  }
  int winners = 0;
  std::string winner_body;
  for (int i = 0; i < kWriters; ++i) {
    const auto& result = *results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(result.ok()) << result.error().describe();
    if (*result) {
      ++winners;
      winner_body = "plan of writer " + std::to_string(i);
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(read_back("_tiff_dumper/plan.json"), winner_body);
  auto again = store->put_object_if_absent("_tiff_dumper/plan.json", "late");
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_FALSE(*again);
  EXPECT_EQ(read_back("_tiff_dumper/plan.json"), winner_body);
}

TEST_P(StoreConformance, PrefixIsAStringPrefixNotAFolder) {
  // "a/b" is a key and the start of other keys; no key is both a file and a folder, so every
  // store (folders on disk, WebDAV collections) can hold them all.
  const std::vector<std::string> keys = {"a/b", "a/b.tif", "a/bc.tif", "a/bd/x.tif", "a/c.tif", "ab.tif", "d/e/f.tif"};
  seed_all(keys);
  auto store = open();
  ASSERT_TRUE(store);
  const std::map<std::string, std::vector<std::string>> expected = {
      {"a/b", {"a/b", "a/b.tif", "a/bc.tif", "a/bd/x.tif"}},
      {"a/bc", {"a/bc.tif"}},
      {"a/bd", {"a/bd/x.tif"}},
      {"a/bd/", {"a/bd/x.tif"}},
      {"a/", {"a/b", "a/b.tif", "a/bc.tif", "a/bd/x.tif", "a/c.tif"}},
      {"a", {"a/b", "a/b.tif", "a/bc.tif", "a/bd/x.tif", "a/c.tif", "ab.tif"}},
      {"d/e", {"d/e/f.tif"}},
      {"d/e/f.tif", {"d/e/f.tif"}},
      {"a/b/", {}},
      {"a/bcd", {}},
  };
  for (const auto& [prefix, keys_under] : expected) {
    SCOPED_TRACE("prefix '" + prefix + "'");
    expect_listed_exactly(testing::list_all(*store, prefix, 1), keys_under, 1);
  }
  auto exact = store->read_range_blocking("a/b", {0, 100});
  ASSERT_TRUE(exact.ok()) << exact.error().describe();
  EXPECT_EQ(exact->bytes, content_for("a/b"));
}

TEST_P(StoreConformance, ParallelAndRangedListingsEqualTheSequentialOne) {
  std::vector<std::string> keys;
  for (const std::string folder : {"2024-01/", "2024-02/", "2024-02/x/", ""}) {
    for (int i = 0; i < 4; ++i) keys.push_back(folder + "k" + std::to_string(i * 7 % 10) + ".tif");
  }
  seed_all(keys);
  auto store = open();
  ASSERT_TRUE(store);
  for (const std::string prefix : {"", "2024-02/"}) {
    SCOPED_TRACE("prefix '" + prefix + "'");
    auto sequential = testing::list_all(*store, prefix, 0);
    ASSERT_FALSE(sequential.error) << sequential.error->describe();
    std::vector<std::string> under;
    std::copy_if(keys.begin(), keys.end(), std::back_inserter(under),
                 [&](const std::string& key) { return key.starts_with(prefix); });
    EXPECT_EQ(sequential.keys(), sorted(under));
    ListOptions options;
    options.page_size = 3;
    options.parallelism = 3;
    auto parallel = testing::list_all(*store, prefix, options);
    ASSERT_FALSE(parallel.error) << parallel.error->describe();
    // Every key exactly once, in no particular order across pages.
    EXPECT_EQ(sorted(parallel.keys()), sequential.keys());
    for (std::size_t size : parallel.page_sizes) EXPECT_LE(size, 3U);
    // A part of the key space: after < key <= upto.
    options.ranges = {KeyRange{.after = "2024-01/k1.tif", .upto = "2024-02/x/k1.tif"}};
    auto ranged = testing::list_all(*store, prefix, options);
    ASSERT_FALSE(ranged.error) << ranged.error->describe();
    std::vector<std::string> inside;
    for (const auto& key : sequential.keys()) {
      if (key > "2024-01/k1.tif" && key <= "2024-02/x/k1.tif") inside.push_back(key);
    }
    EXPECT_EQ(sorted(ranged.keys()), inside);
    // Two disjoint parts in one stream (a shard's ranges of one prefix): the keys outside the
    // range above, each once.
    options.ranges = {KeyRange{.after = std::nullopt, .upto = "2024-01/k1.tif"},
                      KeyRange{.after = "2024-02/x/k1.tif", .upto = std::nullopt}};
    auto both = testing::list_all(*store, prefix, options);
    ASSERT_FALSE(both.error) << both.error->describe();
    std::vector<std::string> outside;
    for (const auto& key : sequential.keys()) {
      if (key <= "2024-01/k1.tif" || key > "2024-02/x/k1.tif") outside.push_back(key);
    }
    EXPECT_EQ(sorted(both.keys()), outside);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance,
                         ::testing::Values("local", "s3", "gcs", "azure", "webdav", "http_readonly"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

}  // namespace
}  // namespace tdump::store
