#pragma once
// Our scripted misbehaving HTTP server (hostile_server.py, Python standard library) as a test
// fixture: it answers by rules the test sets (redirects to other hosts, lying listings, error
// bodies that echo the request's headers, looping WebDAV trees) and records every request it
// receives, so a test can also assert that a server received nothing at all.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::testing {

class HostileServer {
 public:
  // Listens on `host` (any 127.x.y.z address: 127.0.0.2 plays "another host") at a free port.
  explicit HostileServer(std::string host = "127.0.0.1");

  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string base_url() const { return "http://" + host_ + ":" + std::to_string(port_); }

  // Replaces the rules (a JSON array, see hostile_server.py) and clears the record.
  void set_rules(const nlohmann::json& rules) const;
  // What was received since the rules were last set: {"connections": N, "requests": [...]}.
  [[nodiscard]] nlohmann::json record() const;
  [[nodiscard]] int connections() const { return record()["connections"].get<int>(); }
  [[nodiscard]] std::size_t requests() const { return record()["requests"].size(); }

 private:
  TempDir dir_{"hostile"};
  std::string host_;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
  ChildProcess process_;
};

}  // namespace tdump::testing
