#pragma once
// Our AWS credential endpoints and S3 data server (aws_cred_servers.py) as a test fixture: IMDSv2,
// the ECS / EKS container endpoint, the SSO portal, STS, and a data server that verifies SigV4
// and accepts only the credentials those endpoints issued (plus the static keys given here).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::store::testing {

class AwsCredServers {
 public:
  // `lifetime_seconds`: how long every issued credential lives; `static_keys`: key id -> secret
  // pairs the data server and STS accept as long-lived keys.
  explicit AwsCredServers(int lifetime_seconds = 3600,
                          const std::vector<std::pair<std::string, std::string>>& static_keys = {});

  // "http://127.0.0.1:PORT" of "imds", "container", "sso", "sts", "data" or "admin".
  [[nodiscard]] std::string url(const std::string& server) const;
  // Buckets are the sub-folders of root().
  [[nodiscard]] std::filesystem::path root() const { return dir_ / "buckets"; }
  // POST /config (see the script's docstring for the settings).
  void configure(const nlohmann::json& changes) const;
  // GET /state: issued, accepted, rejected, requests.
  [[nodiscard]] nlohmann::json state() const;
  // Requests the data server accepted, by the source that issued the key ("imds", "web", "sso"...).
  [[nodiscard]] std::map<std::string, int> accepted_by_source() const;
  // Rejections at the data server and STS (each {"key", "code", "server"}).
  [[nodiscard]] std::vector<nlohmann::json> rejected() const;
  [[nodiscard]] int requests(const std::string& name) const;

 private:
  tdump::testing::TempDir dir_{"awscred"};
  std::map<std::string, std::uint16_t> ports_;
  tdump::testing::ChildProcess process_;
};

}  // namespace tdump::store::testing
