#pragma once
// Our GCS JSON-API test server (gcs_json_api_server.py) as a fixture: files under root()/BUCKET
// are its objects; a service-account key pair is generated at start with openssl, and its
// token endpoint accepts JWTs signed by that key only.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::store::testing {

struct GcsServerOptions {
  std::vector<std::string> public_buckets;
  std::string static_token;
  int token_lifetime_seconds = 3600;
  std::string client_id, client_secret, refresh_token;  // for authorized_user grants
  std::string token_file;  // also accept the tokens a credential test server wrote there (cred_servers/)
};

class GcsTestServer {
 public:
  explicit GcsTestServer(const GcsServerOptions& options = {});
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::filesystem::path root() const { return dir_ / "objects"; }
  void put(const std::string& bucket, const std::string& name, std::string_view data) const;

  static constexpr const char* kClientEmail = "reader@tiff-dumper-test.iam.gserviceaccount.com";
  // A service-account key file (JSON) for the server's key pair, token_uri pointing at it.
  [[nodiscard]] std::string service_account_json() const;
  // The same account, signed with a different key (the server must refuse it).
  [[nodiscard]] std::string foreign_service_account_json() const;
  [[nodiscard]] int token_requests() const;

 private:
  tdump::testing::TempDir dir_{"gcs"};
  std::uint16_t port_ = 0;
  tdump::testing::ChildProcess process_;
};

}  // namespace tdump::store::testing
