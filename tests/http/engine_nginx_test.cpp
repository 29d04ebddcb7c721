// The engine against a real nginx serving real files: exact ranged bytes, thousands in flight,
// keep-alive and connection limits (checked on nginx's side with stub_status), body capping
// against a server that ignores Range, methods and bodies (WebDAV PUT/PROPFIND), redirects.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <random>

#include "http/engine.hpp"
#include "http_test_helpers.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::http {
namespace {

using tdump::testing::NginxServer;
using tdump::testing::write_file;
using namespace tdump::http::testing;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kFiles = 200;
constexpr std::size_t kFileSize = std::size_t{64} * 1024;
constexpr std::size_t kBigSize = 1 << 20;
constexpr char kStatusPath[] = "/__status";

// Every test runs twice: through libcurl, and through the loop's own HTTP/1.1 path (own_http1).
class EngineNginx : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    server = new NginxServer(1,
                             "    location /norange/ { max_ranges 0; }\n"
                             "    location = /__status { stub_status; }\n"
                             "    location = /redirect { return 302 /files/f1.bin?sig=SECRET; }\n");
    std::filesystem::create_directories(server->root() / "files");
    std::filesystem::create_directories(server->root() / "norange");
    file_bytes = new std::vector<std::string>();
    for (std::size_t i = 0; i < kFiles; ++i) {
      file_bytes->push_back(random_bytes(kFileSize, i + 1));
      write_file(server->root() / "files" / ("f" + std::to_string(i) + ".bin"), file_bytes->back());
    }
    big_file = new std::string(random_bytes(kBigSize, 999));
    write_file(server->root() / "big.bin", *big_file);
    write_file(server->root() / "norange" / "big.bin", *big_file);
  }
  static void TearDownTestSuite() {
    delete server;
    delete file_bytes;
    delete big_file;
  }

  [[nodiscard]] std::unique_ptr<Engine> engine(ClientConfig config = {}) const {
    config.own_http1 = GetParam();
    auto created = Engine::create(config);
    EXPECT_TRUE(created.ok());
    return std::move(created).value();
  }
  static std::string url(const std::string& path) { return server->base_url() + path; }
  static std::string file_url(std::size_t i) { return url("/files/f" + std::to_string(i) + ".bin"); }

  // `count` random 16 KiB-or-less ranges over the files, and the bytes each must return.
  static std::pair<std::vector<Request>, std::vector<std::string>> random_ranges(std::size_t count,
                                                                                 std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Request> requests;
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t file = rng() % kFiles;
      const std::size_t offset = rng() % (kFileSize - 1);
      const std::size_t length = std::min<std::size_t>(1 + rng() % 16384, kFileSize - offset);
      requests.push_back(range_get(file_url(file), offset, length));
      expected.push_back(file_bytes->at(file).substr(offset, length));
    }
    return {std::move(requests), std::move(expected)};
  }

  static void expect_bodies(const std::vector<Result<Response>>& results, const std::vector<std::string>& expected) {
    ASSERT_EQ(results.size(), expected.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok() || results[i]->status != 206 || results[i]->body != expected[i]) ++bad;
    }
    EXPECT_EQ(bad, 0U);
  }

  static inline NginxServer* server = nullptr;
  static inline std::vector<std::string>* file_bytes = nullptr;
  static inline std::string* big_file = nullptr;
};

TEST_P(EngineNginx, RangedGetsReturnExactBytes) {
  auto http = engine();
  struct Case {
    std::uint64_t offset, length;
  };
  for (Case c : {Case{0, 16384}, Case{1, 1}, Case{123'457, 50'000}, Case{kBigSize - 10, 10}}) {
    auto result = http->execute(range_get(url("/big.bin"), c.offset, c.length));
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(result->status, 206);
    EXPECT_TRUE(same_bytes(result->body, big_file->substr(c.offset, c.length)));
    EXPECT_EQ(result->header("content-range"), "bytes " + std::to_string(c.offset) + "-" +
                                                   std::to_string(c.offset + c.length - 1) + "/" +
                                                   std::to_string(kBigSize));
    EXPECT_EQ(result->attempts, 1U);
    EXPECT_EQ(result->http_version, 11);
  }
  // A range running past the end is clipped by the server; one starting past it is a 416.
  auto clipped = http->execute(range_get(url("/big.bin"), kBigSize - 100, 16384));
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(clipped->status, 206);
  EXPECT_TRUE(same_bytes(clipped->body, big_file->substr(kBigSize - 100)));
  auto beyond = http->execute(range_get(url("/big.bin"), kBigSize + 10, 100));
  ASSERT_TRUE(beyond.ok());
  EXPECT_EQ(beyond->status, 416);
}

TEST_P(EngineNginx, ThousandsOfConcurrentRequestsGetTheirOwnBytes) {
  auto http = engine();
  auto [requests, expected] = random_ranges(3000, 1);
  auto results = run_all(*http, std::move(requests));
  expect_bodies(results, expected);
  const auto stats = http->stats();
  EXPECT_EQ(stats.requests, 3000U);
  EXPECT_EQ(stats.attempts, 3000U);
  EXPECT_EQ(stats.failures, 0U);
  EXPECT_EQ(stats.in_flight, 0U);
  std::uint64_t bytes = 0;
  for (const auto& body : expected) bytes += body.size();
  EXPECT_EQ(stats.bytes_received, bytes);
}

TEST_P(EngineNginx, SeveralLoopsShareTheWork) {
  ClientConfig config;
  config.loops = 4;
  auto http = engine(config);
  auto [requests, expected] = random_ranges(2000, 2);
  auto results = run_all(*http, std::move(requests));
  expect_bodies(results, expected);
  EXPECT_EQ(http->stats().requests, 2000U);
}

TEST_P(EngineNginx, ConnectionLimitPerHostHoldsAndConnectionsAreKeptAlive) {
  ClientConfig config;
  config.max_connections_per_host = 8;
  auto http = engine(config);
  const auto accepted_before = nginx_accepted_connections(server->port(), kStatusPath);
  auto [requests, expected] = random_ranges(3000, 3);
  auto results = run_all(*http, std::move(requests));
  expect_bodies(results, expected);
  const auto accepted_after = nginx_accepted_connections(server->port(), kStatusPath);
  // nginx's own count, minus the status request itself: 3000 requests over at most 8 connections.
  const auto accepted = accepted_after - accepted_before - 1;
  EXPECT_GE(accepted, 1U);
  EXPECT_LE(accepted, 8U);
  EXPECT_EQ(http->stats().connections_opened, accepted);
}

TEST_P(EngineNginx, SequentialRequestsReuseOneHandleAndOneConnection) {
  auto http = engine();
  const auto accepted_before = nginx_accepted_connections(server->port(), kStatusPath);
  for (std::size_t i = 0; i < 100; ++i) {
    auto result = http->execute(range_get(file_url(i), i, 1000));
    ASSERT_TRUE(result.ok());
    ASSERT_TRUE(same_bytes(result->body, file_bytes->at(i).substr(i, 1000)));
  }
  const auto accepted_after = nginx_accepted_connections(server->port(), kStatusPath);
  EXPECT_EQ(accepted_after - accepted_before - 1, 1U);
  const auto stats = http->stats();
  EXPECT_EQ(stats.easy_handles, GetParam() ? 0U : 1U);  // the own path uses no libcurl handle
  EXPECT_EQ(stats.connections_opened, 1U);
}

TEST_P(EngineNginx, MaxBodyBytesStopsAServerThatIgnoresRange) {
  auto http = engine();
  auto request = range_get(url("/norange/big.bin"), 0, 16384);
  request.max_body_bytes = 16384;
  auto capped = http->execute(request);
  ASSERT_TRUE(capped.ok()) << capped.error().describe();
  EXPECT_EQ(capped->status, 200);  // nginx sent the whole file
  EXPECT_TRUE(capped->body_capped);
  EXPECT_TRUE(same_bytes(capped->body, big_file->substr(0, 16384)));
  EXPECT_EQ(capped->attempts, 1U);
  EXPECT_LT(http->stats().bytes_received, kBigSize);

  // The same cap against a server honouring Range: exactly the cap arrives, nothing is cut.
  auto honoured = range_get(url("/big.bin"), 0, 16384);
  honoured.max_body_bytes = 16384;
  auto whole = http->execute(honoured);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->status, 206);
  EXPECT_FALSE(whole->body_capped);
  EXPECT_TRUE(same_bytes(whole->body, big_file->substr(0, 16384)));
}

TEST_P(EngineNginx, NotFoundIsAResponseAndIsNotRetried) {
  auto http = engine();
  Request request;
  request.url = url("/files/missing.bin");
  auto result = http->execute(request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->attempts, 1U);
  EXPECT_EQ(http->stats().retries, 0U);
  EXPECT_EQ(http->stats().failures, 0U);
}

TEST_P(EngineNginx, HeadGivesHeadersWithLowerCaseNames) {
  auto http = engine();
  Request request;
  request.method = "HEAD";
  request.url = url("/big.bin");
  auto result = http->execute(request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->body.empty());
  EXPECT_EQ(result->header("Content-Length"), std::to_string(kBigSize));
  for (const auto& field : result->headers) {
    for (char c : field.name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << field.name;
  }
  EXPECT_TRUE(result->header("etag").has_value());
}

TEST_P(EngineNginx, PutAndPropfindCarryMethodBodyAndHeaders) {
  auto http = engine();
  const std::string payload = random_bytes(300'000, 77);
  Request put;
  put.method = "PUT";
  // A file of its own per path (a second PUT of one file is 204, not 201).
  const std::string name = GetParam() ? "new-own.bin" : "new-curl.bin";
  put.url = url("/upload/dir/" + name);
  put.body = payload;
  auto stored = http->execute(put);
  ASSERT_TRUE(stored.ok()) << stored.error().describe();
  EXPECT_EQ(stored->status, 201);
  EXPECT_EQ(tdump::testing::read_file(server->root() / "upload" / "dir" / name), payload);

  Request propfind;
  propfind.method = "PROPFIND";
  propfind.url = url("/files/");
  propfind.headers.push_back({"Depth", "1"});
  auto listing = http->execute(propfind);
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->status, 207);
  EXPECT_NE(listing->body.find("/files/f199.bin"), std::string::npos);
}

TEST_P(EngineNginx, RedirectsAreReturnedNeverFollowed) {
  // The store decides (http/redirect.hpp); the engine never carries a request elsewhere.
  auto http = engine();
  Request request;
  request.url = url("/redirect");
  request.headers = {{"x-amz-security-token", "must-stay-here"}};
  auto result = http->execute(request);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 302);
  EXPECT_EQ(result->attempts, 1U);
  EXPECT_FALSE(same_bytes(result->body, file_bytes->at(1)));
  EXPECT_EQ(result->effective_url, url("/redirect"));
  auto location = result->header("location");
  ASSERT_TRUE(location.has_value());
  EXPECT_TRUE(location->ends_with("/files/f1.bin?sig=SECRET")) << *location;
}

TEST_P(EngineNginx, CallbacksChainFurtherReads) {
  // Like the header fetcher: each completion asks for the next piece until the file is read.
  auto http = engine();
  constexpr std::size_t kChains = 50;
  constexpr std::size_t kPiece = 4096;
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t finished = 0;
  std::vector<std::string> assembled(kChains);
  std::vector<std::function<void(Result<Response>)>> steps(kChains);
  for (std::size_t chain = 0; chain < kChains; ++chain) {
    steps[chain] = [&, chain](Result<Response> result) {
      ASSERT_TRUE(result.ok());
      assembled[chain] += result->body;
      if (assembled[chain].size() < kFileSize) {
        http->submit(range_get(file_url(chain), assembled[chain].size(), kPiece), steps[chain]);
        return;
      }
      std::lock_guard lock(mutex);
      if (++finished == kChains) all_done.notify_one();
    };
    http->submit(range_get(file_url(chain), 0, kPiece), steps[chain]);
  }
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return finished == kChains; });
  for (std::size_t chain = 0; chain < kChains; ++chain)
    EXPECT_TRUE(same_bytes(assembled[chain], file_bytes->at(chain)));
  EXPECT_EQ(http->stats().requests, kChains * (kFileSize / kPiece));
}

INSTANTIATE_TEST_SUITE_P(Paths, EngineNginx, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& path) {
  return path.param ? "own_http1" : "libcurl";
});

}  // namespace
}  // namespace tdump::http
