#include "lying_s3.hpp"

#include <stdexcept>

#include "servers.hpp"

namespace tdump::testing {

LyingS3Server::LyingS3Server(const nlohmann::json& spec) {
  const auto spec_path = dir_ / "spec.json";
  write_file(spec_path, spec.dump());
  auto started = start_python_server(source_dir() / "tests/support/lying_s3.py", {"--spec", spec_path.string()},
                                     dir_.path(), dir_ / "server.log");
  port_ = started.port;
  process_ = std::move(started.process);
}

std::string LyingS3Server::yaml_options() const {
  return "    endpoint: " + endpoint() +
         "\n    allow_http: true\n    skip_signature: true\n    region: us-east-1\n"
         "    virtual_hosted_style_request: false\n";
}

}  // namespace tdump::testing
