#include "fault_proxy.hpp"

#include <stdexcept>

#include "net.hpp"
#include "servers.hpp"

namespace tdump::testing {

FaultProxy::FaultProxy(std::uint16_t upstream_port, std::uint16_t port) : port_(port == 0 ? free_port() : port) {
  const auto script = source_dir() / "tests" / "fault_proxy" / "fault_proxy.py";
  process_ = ChildProcess(
      {"python3", script.string(), "--port", std::to_string(port_), "--upstream-port", std::to_string(upstream_port)},
      {}, dir_.path(), dir_ / "proxy.log");
  if (port == 0 && !wait_ready()) {
    throw std::runtime_error("fault proxy did not start (see " + (dir_ / "proxy.log").string() + ")");
  }
}

bool FaultProxy::wait_ready() const {
  return wait_for_port(port_, std::chrono::seconds(20));
}

void FaultProxy::set_rules(const nlohmann::json& rules) const {
  auto response = simple_http("PUT", port_, "/__faults/rules", rules.dump(), "Content-Type: application/json\r\n");
  if (response.status != 200) throw std::runtime_error("fault proxy: setting rules failed");
}

int FaultProxy::hits(const std::string& path) const {
  auto response = simple_http("GET", port_, "/__faults/hits");
  if (response.status != 200) throw std::runtime_error("fault proxy: reading hits failed");
  auto counts = nlohmann::json::parse(response.body);
  return counts.contains(path) ? counts[path].get<int>() : 0;
}

int FaultProxy::connections() const {
  auto response = simple_http("GET", port_, "/__faults/connections");
  if (response.status != 200) throw std::runtime_error("fault proxy: reading the connection count failed");
  return nlohmann::json::parse(response.body).at("connections").get<int>();
}

std::string FaultProxy::s3_slow_down_body() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
         "<Message>Please reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
}

}  // namespace tdump::testing
