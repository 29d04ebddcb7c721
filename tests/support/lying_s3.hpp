#pragma once
// lying_s3.py as a test fixture: an S3 server of our own whose ListObjectsV2 answers carry the
// sizes, dates, ETags and keys a test gives it (however absurd), and whose ranged GETs serve
// real files, optionally after a stall. Started on a free port, stopped on destruction.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::testing {

class LyingS3Server {
 public:
  // `spec` as lying_s3.py documents it ({"bucket": ..., "objects": [...], ...}).
  explicit LyingS3Server(const nlohmann::json& spec);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The store options (YAML lines under store.obstore_config) for an anonymous path-style client.
  [[nodiscard]] std::string yaml_options() const;

 private:
  TempDir dir_{"lying-s3"};
  std::uint16_t port_ = 0;
  ChildProcess process_;
};

}  // namespace tdump::testing
