#pragma once
// The scripted fault-injecting proxy (fault_proxy.py) as a test fixture: started on a free port
// in front of a real server, rules set per test ("the first N requests to path P fail with X"),
// and the proxy's own count of the requests it saw, independent of the client's.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::testing {

class FaultProxy {
 public:
  // Forwards to 127.0.0.1:upstream_port. With `port` 0 a free port is chosen and the
  // constructor waits until the proxy answers; with an explicit port it does not wait (a test
  // can start the proxy late to turn "connection refused" into success).
  explicit FaultProxy(std::uint16_t upstream_port, std::uint16_t port = 0);

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] bool wait_ready() const;

  // Replaces the rules (a JSON array, see fault_proxy.py) and clears the hit counts.
  void set_rules(const nlohmann::json& rules) const;
  void clear() const { set_rules(nlohmann::json::array()); }
  // Requests the proxy received for `path` (query excluded) since the rules were last set.
  [[nodiscard]] int hits(const std::string& path) const;
  // Connections the proxy accepted that carried a request other than its control ones, since
  // the rules were last set: the proxy's own count, independent of the client's.
  [[nodiscard]] int connections() const;

  // S3's error document for a 503 SlowDown, as S3 sends it.
  static std::string s3_slow_down_body();

 private:
  TempDir dir_{"fault-proxy"};
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

}  // namespace tdump::testing
