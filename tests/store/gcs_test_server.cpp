#include "gcs_test_server.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "net.hpp"
#include "servers.hpp"

namespace tdump::store::testing {
namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = tdump::testing::run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.err);
}

std::string key_json(const std::string& pem, int port) {
  nlohmann::json key = {{"type", "service_account"},
                        {"project_id", "tiff-dumper-test"},
                        {"private_key_id", "0123456789abcdef"},
                        {"private_key", pem},
                        {"client_email", GcsTestServer::kClientEmail},
                        {"client_id", "1234567890"},
                        {"token_uri", "http://127.0.0.1:" + std::to_string(port) + "/token"}};
  return key.dump(2);
}

}  // namespace

GcsTestServer::GcsTestServer(const GcsServerOptions& options) {
  std::filesystem::create_directories(root());
  openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", (dir_ / "key.pem").string()});
  openssl({"pkey", "-in", (dir_ / "key.pem").string(), "-pubout", "-out", (dir_ / "pub.pem").string()});
  openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", (dir_ / "other.pem").string()});
  std::vector<std::string> args = {
      "--root",         root().string(), "--public-key",     (dir_ / "pub.pem").string(),
      "--client-email", kClientEmail,    "--token-lifetime", std::to_string(options.token_lifetime_seconds)};
  for (const auto& bucket : options.public_buckets) {
    args.emplace_back("--public");
    args.push_back(bucket);
  }
  auto add = [&](const char* flag, const std::string& value) {
    if (value.empty()) return;
    args.emplace_back(flag);
    args.push_back(value);
  };
  add("--static-token", options.static_token);
  add("--client-id", options.client_id);
  add("--client-secret", options.client_secret);
  add("--refresh-token", options.refresh_token);
  add("--token-file", options.token_file);
  auto started = tdump::testing::start_python_server(
      tdump::testing::source_dir() / "tests/store/gcs_json_api_server.py", args, dir_.path(), dir_ / "server.log");
  port_ = started.port;
  process_ = std::move(started.process);
}

void GcsTestServer::put(const std::string& bucket, const std::string& name, std::string_view data) const {
  tdump::testing::write_file(root() / bucket / name, data);
}

std::string GcsTestServer::service_account_json() const {
  return key_json(tdump::testing::read_file(dir_ / "key.pem"), port_);
}

std::string GcsTestServer::foreign_service_account_json() const {
  return key_json(tdump::testing::read_file(dir_ / "other.pem"), port_);
}

int GcsTestServer::token_requests() const {
  auto r = tdump::testing::simple_http("GET", port_, "/_stats");
  if (r.status != 200) throw std::runtime_error("GCS test server stats: " + std::to_string(r.status));
  return nlohmann::json::parse(r.body)["token_requests"].get<int>();
}

}  // namespace tdump::store::testing
