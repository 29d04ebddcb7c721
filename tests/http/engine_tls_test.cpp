// HTTPS and HTTP/2: nginx with a self-signed certificate made at test time with openssl,
// listening with `ssl http2`. The engine must verify against the given CA file, negotiate h2
// through ALPN and multiplex concurrent requests over few connections (nginx's stub_status
// counts them), fall back to HTTP/1.1 when asked, and refuse an unverifiable server at once.
#include <gtest/gtest.h>

#include "http/engine.hpp"
#include "http_test_helpers.hpp"
#include "net.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::http {
namespace {

using tdump::testing::NginxServer;
using tdump::testing::TempDir;
using namespace tdump::http::testing;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kFiles = 20;
constexpr std::size_t kFileSize = std::size_t{64} * 1024;
constexpr char kStatusPath[] = "/__status";

class EngineTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs = new TempDir("tls");
    const auto cert = (certs->path() / "cert.pem").string();
    const auto key = (certs->path() / "key.pem").string();
    tdump::testing::run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                 "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                                 "-addext", "subjectAltName=IP:127.0.0.1"});
    tls_port = tdump::testing::free_port();
    server = new NginxServer(1, "    listen 127.0.0.1:" + std::to_string(tls_port) +
                                    " ssl http2;\n"
                                    "    ssl_certificate " +
                                    cert + ";\n    ssl_certificate_key " + key + ";\n" +
                                    "    location = /__status { stub_status; }\n");
    ASSERT_TRUE(tdump::testing::wait_for_port(tls_port, std::chrono::seconds(10)));
    ca_file = new std::string(cert);
    file_bytes = new std::vector<std::string>();
    for (std::size_t i = 0; i < kFiles; ++i) {
      file_bytes->push_back(random_bytes(kFileSize, 100 + i));
      tdump::testing::write_file(server->root() / ("f" + std::to_string(i) + ".bin"), file_bytes->back());
    }
  }
  static void TearDownTestSuite() {
    delete server;
    delete certs;
    delete ca_file;
    delete file_bytes;
  }

  static ClientConfig tls_config() {
    ClientConfig config;
    config.ca_file = *ca_file;
    return config;
  }
  static std::unique_ptr<Engine> engine(const ClientConfig& config) {
    auto created = Engine::create(config);
    EXPECT_TRUE(created.ok());
    return std::move(created).value();
  }
  static std::string file_url(std::size_t i) {
    return "https://127.0.0.1:" + std::to_string(tls_port) + "/f" + std::to_string(i) + ".bin";
  }
  static std::vector<Result<Response>> fetch_many(Engine& http, std::size_t count, std::vector<std::string>& expected) {
    std::vector<Request> requests;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t file = i % kFiles;
      const std::size_t offset = (i * 977) % (kFileSize - 16384);
      requests.push_back(range_get(file_url(file), offset, 16384));
      expected.push_back(file_bytes->at(file).substr(offset, 16384));
    }
    return run_all(http, std::move(requests));
  }
  static std::uint64_t accepted() { return nginx_accepted_connections(server->port(), kStatusPath); }

  static inline TempDir* certs = nullptr;
  static inline NginxServer* server = nullptr;
  static inline std::uint16_t tls_port = 0;
  static inline std::string* ca_file = nullptr;
  static inline std::vector<std::string>* file_bytes = nullptr;
};

TEST_F(EngineTls, Http2IsNegotiatedAndConcurrentRequestsShareAConnection) {
  auto http = engine(tls_config());
  const auto before = accepted();
  std::vector<std::string> expected;
  // libcurl allows 100 streams per connection (nginx 128); beyond that, libcurl 7.88 opens a new
  // connection per waiting request, so stay within one connection's streams here.
  auto results = fetch_many(*http, 100, expected);
  const auto after = accepted();
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].error().describe();
    EXPECT_EQ(results[i]->status, 206);
    EXPECT_EQ(results[i]->http_version, 20);
    ASSERT_TRUE(same_bytes(results[i]->body, expected[i]));
  }
  // 100 concurrent requests multiplexed on one connection on nginx's side (HTTP/1.1 would need
  // one per request in flight). -1: the status request itself.
  EXPECT_EQ(after - before - 1, 1U);
  EXPECT_EQ(http->stats().connections_opened, after - before - 1);
}

TEST_F(EngineTls, Http11WhenHttp2IsDisabled) {
  auto config = tls_config();
  config.http2 = false;
  auto http = engine(config);
  std::vector<std::string> expected;
  auto results = fetch_many(*http, 50, expected);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok());
    EXPECT_EQ(results[i]->http_version, 11);
    EXPECT_TRUE(same_bytes(results[i]->body, expected[i]));
  }
}

TEST_F(EngineTls, UnverifiableCertificateFailsWithoutRetrying) {
  auto config = tls_config();
  config.ca_file.clear();  // the system store does not know our self-signed certificate
  auto http = engine(config);
  auto result = http->execute(range_get(file_url(0), 0, 100));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNetwork);
  EXPECT_EQ(result.error().attempts, 1U);
  EXPECT_EQ(http->stats().retries, 0U);
}

TEST_F(EngineTls, VerificationCanBeTurnedOff) {
  auto config = tls_config();
  config.ca_file.clear();
  config.verify_tls = false;
  auto http = engine(config);
  auto result = http->execute(range_get(file_url(3), 10, 100));
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_TRUE(same_bytes(result->body, file_bytes->at(3).substr(10, 100)));
}

}  // namespace
}  // namespace tdump::http
