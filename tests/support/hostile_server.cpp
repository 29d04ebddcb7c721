#include "hostile_server.hpp"

#include <fstream>
#include <stdexcept>

#include "net.hpp"
#include "servers.hpp"

namespace tdump::testing {

HostileServer::HostileServer(std::string host) : host_(std::move(host)) {
  const auto ready = dir_ / "ready";
  process_ = ChildProcess({"python3", (source_dir() / "tests/support/hostile_server.py").string(), "--host", host_,
                           "--ready-file", ready.string()},
                          {}, dir_.path(), dir_ / "server.log");
  // The server picks its own ports and names them in the ready file (a free_port() probe
  // works only on 127.0.0.1).
  wait_for_ready_file(process_, ready, "hostile server", dir_ / "server.log");
  std::ifstream in(ready);
  unsigned port = 0;
  unsigned control = 0;
  in >> port >> control;
  if (port == 0 || port > 65535 || control == 0 || control > 65535) throw std::runtime_error("hostile server ports");
  port_ = static_cast<std::uint16_t>(port);
  control_port_ = static_cast<std::uint16_t>(control);
}

void HostileServer::set_rules(const nlohmann::json& rules) const {
  auto r = simple_http("PUT", control_port_, "/rules", rules.dump(), "Content-Type: application/json\r\n");
  if (r.status != 200) throw std::runtime_error("hostile server: setting rules failed");
}

nlohmann::json HostileServer::record() const {
  auto r = simple_http("GET", control_port_, "/log");
  if (r.status != 200) throw std::runtime_error("hostile server: reading the record failed");
  return nlohmann::json::parse(r.body);
}

}  // namespace tdump::testing
