#include "lying_s3.hpp"

#include <stdexcept>

#include "net.hpp"
#include "servers.hpp"

namespace tdump::testing {

LyingS3Server::LyingS3Server(const nlohmann::json& spec) {
  port_ = free_port();
  const auto spec_path = dir_ / "spec.json";
  write_file(spec_path, spec.dump());
  process_ = ChildProcess({"python3", (source_dir() / "tests/support/lying_s3.py").string(), "--port",
                           std::to_string(port_), "--spec", spec_path.string()},
                          {}, dir_.path(), dir_ / "server.log");
  if (!wait_for_port(port_, std::chrono::seconds(30))) {
    throw std::runtime_error("lying_s3.py did not start: " + read_file(dir_ / "server.log"));
  }
}

std::string LyingS3Server::yaml_options() const {
  return "    endpoint: " + endpoint() +
         "\n    allow_http: true\n    skip_signature: true\n    region: us-east-1\n"
         "    virtual_hosted_style_request: false\n";
}

}  // namespace tdump::testing
