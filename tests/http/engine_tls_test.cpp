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
constexpr std::size_t kFileSize = 64 * 1024;
const char* const kStatusPath = "/__status";

class EngineTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TempDir("tls");
    const auto cert = (certs_->path() / "cert.pem").string();
    const auto key = (certs_->path() / "key.pem").string();
    tdump::testing::run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                 "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                                 "-addext", "subjectAltName=IP:127.0.0.1"});
    tls_port_ = tdump::testing::free_port();
    nginx_ = new NginxServer(1, "    listen 127.0.0.1:" + std::to_string(tls_port_) +
                                    " ssl http2;\n"
                                    "    ssl_certificate " +
                                    cert + ";\n    ssl_certificate_key " + key + ";\n" +
                                    "    location = /__status { stub_status; }\n");
    ASSERT_TRUE(tdump::testing::wait_for_port(tls_port_, std::chrono::seconds(10)));
    ca_file_ = new std::string(cert);
    files_ = new std::vector<std::string>();
    for (std::size_t i = 0; i < kFiles; ++i) {
      files_->push_back(random_bytes(kFileSize, 100 + i));
      tdump::testing::write_file(nginx_->root() / ("f" + std::to_string(i) + ".bin"), files_->back());
    }
  }
  static void TearDownTestSuite() {
    delete nginx_;
    delete certs_;
    delete ca_file_;
    delete files_;
  }

  static ClientConfig tls_config() {
    ClientConfig config;
    config.ca_file = *ca_file_;
    return config;
  }
  static std::unique_ptr<Engine> engine(const ClientConfig& config) {
    auto created = Engine::create(config);
    EXPECT_TRUE(created.ok());
    return std::move(created).value();
  }
  static std::string file_url(std::size_t i) {
    return "https://127.0.0.1:" + std::to_string(tls_port_) + "/f" + std::to_string(i) + ".bin";
  }
  static std::vector<Result<Response>> fetch_many(Engine& http, std::size_t count, std::vector<std::string>& expected) {
    std::vector<Request> requests;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t file = i % kFiles;
      const std::size_t offset = (i * 977) % (kFileSize - 16384);
      requests.push_back(range_get(file_url(file), offset, 16384));
      expected.push_back(files_->at(file).substr(offset, 16384));
    }
    return run_all(http, std::move(requests));
  }
  static std::uint64_t accepted() { return nginx_accepted_connections(nginx_->port(), kStatusPath); }

  static inline TempDir* certs_ = nullptr;
  static inline NginxServer* nginx_ = nullptr;
  static inline std::uint16_t tls_port_ = 0;
  static inline std::string* ca_file_ = nullptr;
  static inline std::vector<std::string>* files_ = nullptr;
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
  EXPECT_TRUE(same_bytes(result->body, files_->at(3).substr(10, 100)));
}

}  // namespace
}  // namespace tdump::http
