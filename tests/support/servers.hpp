#pragma once
// Real servers on 127.0.0.1 for tests, each on a free port in its own temp dir, stopped on
// destruction. See ../shared/TEST-SERVERS.md for what each supports.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::testing {

// Where the repo and its npm test tools live (compile definitions set by tests/CMakeLists.txt).
std::filesystem::path source_dir();
std::filesystem::path binary_dir();
std::filesystem::path node_bin(const std::string& tool);  // node_modules/.bin/<tool>

// Starting our own Python test servers (stdlib only). Both throw std::runtime_error with the
// server's log (its last 4 KiB) when it does not come up: the log lives in a temp dir that is
// gone once the fixture that owns it is destroyed.
struct StartedServer {
  std::uint16_t port = 0;
  ChildProcess process;
};
// `python3 -B SCRIPT --port N ARGS...` on a free 127.0.0.1 port, run in `dir`, output to `log`;
// returns once it listens (at most `timeout`).
StartedServer start_python_server(const std::filesystem::path& script, const std::vector<std::string>& args,
                                  const std::filesystem::path& dir, const std::filesystem::path& log,
                                  std::chrono::seconds timeout = std::chrono::seconds(30));
// For a server that picks its own ports: waits until `process` has written `ready_file` (it
// writes it once it listens), at most `timeout`; throws naming `what` when it exits first.
void wait_for_ready_file(ChildProcess& process, const std::filesystem::path& ready_file, const std::string& what,
                         const std::filesystem::path& log, std::chrono::seconds timeout = std::chrono::seconds(20));

// moto_server: S3. Signature checks are off unless `auth_after_actions` is given
// (INITIAL_NO_AUTH_ACTION_COUNT: the first N actions skip auth).
class MotoServer {
 public:
  explicit MotoServer(int auth_after_actions = -1);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Path-style helpers over plain HTTP (moto does not check signatures unless asked).
  void create_bucket(const std::string& bucket) const;
  void put_object(const std::string& bucket, const std::string& key, std::string_view data) const;
  // Makes GetObject public (a Principal:"*" bucket policy), for anonymous reads.
  void make_public(const std::string& bucket) const;

 private:
  TempDir dir_{"moto"};
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

// Azurite blob service with the well-known devstoreaccount1 account, in memory.
class AzuriteServer {
 public:
  AzuriteServer();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string account_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/devstoreaccount1";
  }
  static constexpr const char* kAccount = "devstoreaccount1";
  static constexpr const char* kAccountKey =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  // An account SAS (rwdlc on blobs, valid to 2099) made from the well-known key.
  static constexpr const char* kSas =
      "sv=2021-08-06&ss=b&srt=sco&se=2099-01-01T00%3A00%3A00Z&sp=rwdlc&sig="
      "QasnztzZZ0YhpTIK8Qxshc1teEr7mrIN%2Bb80giC8nHs%3D";
  void create_container(const std::string& container, bool public_access) const;
  void put_blob(const std::string& container, const std::string& key, std::string_view data) const;

 private:
  TempDir dir_{"azurite"};
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

// nginx serving `root()` with WebDAV PROPFIND (dav-ext) and ranged GETs; the echo module is
// loaded. `extra_server_config` goes into the server block, `extra_http_config` into the http
// block (what only it may hold, such as log_format).
class NginxServer {
 public:
  explicit NginxServer(int workers = 1, const std::string& extra_server_config = {},
                       const std::string& extra_http_config = {});
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::filesystem::path root() const { return dir_.path() / "root"; }
  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_{"nginx"};
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

// Percent-encodes a key for a URL path ('/' kept).
std::string url_encode_path(std::string_view key);

}  // namespace tdump::testing
