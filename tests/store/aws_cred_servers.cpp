#include "aws_cred_servers.hpp"

#include <stdexcept>

#include "net.hpp"
#include "servers.hpp"

namespace tdump::store::testing {

AwsCredServers::AwsCredServers(int lifetime_seconds,
                               const std::vector<std::pair<std::string, std::string>>& static_keys) {
  std::filesystem::create_directories(root());
  const auto ports_file = dir_ / "ports.json";
  std::vector<std::string> argv = {
      "python3",      (tdump::testing::source_dir() / "tests/store/aws_cred_servers.py").string(),
      "--root",       root().string(),
      "--ports-file", ports_file.string(),
      "--lifetime",   std::to_string(lifetime_seconds)};
  for (const auto& [key, secret] : static_keys) {
    argv.emplace_back("--static-key");
    argv.push_back(key + ":" + secret);
  }
  process_ = tdump::testing::ChildProcess(argv, {}, dir_.path(), dir_ / "servers.log");
  // The script writes the file (atomically) once every server listens.
  tdump::testing::wait_for_ready_file(process_, ports_file, "the AWS credential test servers", dir_ / "servers.log");
  const auto ports = nlohmann::json::parse(tdump::testing::read_file(ports_file));
  for (const auto& [name, port] : ports.items()) ports_[name] = port.get<std::uint16_t>();
}

std::string AwsCredServers::url(const std::string& server) const {
  return "http://127.0.0.1:" + std::to_string(ports_.at(server));
}

void AwsCredServers::configure(const nlohmann::json& changes) const {
  auto r = tdump::testing::simple_http("POST", ports_.at("admin"), "/config", changes.dump(),
                                       "Content-Type: application/json\r\n");
  if (r.status != 200) throw std::runtime_error("configure: " + std::to_string(r.status) + " " + r.body);
}

nlohmann::json AwsCredServers::state() const {
  auto r = tdump::testing::simple_http("GET", ports_.at("admin"), "/state");
  if (r.status != 200) throw std::runtime_error("state: " + std::to_string(r.status));
  return nlohmann::json::parse(r.body);
}

std::map<std::string, int> AwsCredServers::accepted_by_source() const {
  auto s = state();
  std::map<std::string, std::string> source_of;
  for (const auto& issued : s["issued"]) source_of[issued["key"]] = issued["source"];
  std::map<std::string, int> out;
  const auto& accepted = s["accepted"];
  for (const auto& [key, n] : accepted.items()) out[source_of[key]] += n.get<int>();
  return out;
}

std::vector<nlohmann::json> AwsCredServers::rejected() const {
  std::vector<nlohmann::json> out;
  const auto s = state();
  for (const auto& r : s["rejected"]) out.push_back(r);
  return out;
}

int AwsCredServers::requests(const std::string& name) const {
  const auto s = state();
  const auto& requests = s["requests"];
  return requests.contains(name) ? requests[name].get<int>() : 0;
}

}  // namespace tdump::store::testing
