#pragma once
// The AWS shared config files: ~/.aws/credentials ([name] sections) and ~/.aws/config
// ([profile name] sections, [default]), as the AWS CLI and SDKs read them.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tdump::store {

using IniSection = std::map<std::string, std::string>;  // lower-case keys

// Sections of an INI text: "[name]" -> keys. Comments (#, ;) and blank lines skipped.
std::map<std::string, IniSection> parse_ini(std::string_view text);

struct AwsProfile {
  std::string name;
  IniSection credentials;  // from the credentials file (may be empty)
  IniSection config;       // from the config file (may be empty)
  bool found = false;      // present in at least one file

  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;  // credentials first
};

// Reads profile `name` from the two files (missing files are fine; unreadable ones too).
AwsProfile load_aws_profile(const std::string& name, const std::string& credentials_path,
                            const std::string& config_path);

}  // namespace tdump::store
