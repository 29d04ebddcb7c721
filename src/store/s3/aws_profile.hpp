#pragma once
// The AWS shared config files: ~/.aws/credentials ([name] sections) and ~/.aws/config
// ([profile name] sections, [default], [sso-session name]), as the AWS CLI and SDKs read them
// (AWS SDKs and Tools Reference Guide, "Shared config and credentials files").
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tdump::store {

using IniSection = std::map<std::string, std::string>;  // lower-case keys

// The bytes of a file of at most `limit` bytes (kLimit when larger, kIo when unreadable); never
// reads more than limit + 1 bytes. Errors name the path.
Result<std::string> read_file_bounded(const std::string& path, std::size_t limit);

// Sections of an INI text: "[name]" -> keys. Comments (#, ;) and blank lines skipped.
std::map<std::string, IniSection> parse_ini(std::string_view text);

struct AwsProfile;

// Both files, every section (a role_arn profile names its source_profile, an SSO profile its
// sso-session, so one profile is not enough).
struct AwsConfigFiles {
  std::string credentials_path;
  std::string config_path;
  std::map<std::string, IniSection> credentials;  // [name]
  std::map<std::string, IniSection> config;       // [profile name], [default], [sso-session name]

  // Profile `name` from both files (not found: `found` is false).
  [[nodiscard]] AwsProfile profile(const std::string& name) const;
  // The [sso-session NAME] section of the config file, or nullptr.
  [[nodiscard]] const IniSection* sso_session(const std::string& name) const;
};

struct AwsProfile {
  std::string name;
  IniSection credentials;  // from the credentials file (may be empty)
  IniSection config;       // from the config file (may be empty)
  bool found = false;      // present in at least one file
  // Chosen by the `profile` option or AWS_PROFILE (not the implicit "default"): a missing one is
  // an error instead of a source that does not apply.
  bool named = false;
  // Both files, for source_profile and sso-session look-ups (may be null: no other profile).
  std::shared_ptr<const AwsConfigFiles> files;

  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;  // credentials first
};

// Reads both files (missing or unreadable files are empty; files over 1 MiB are ignored).
std::shared_ptr<const AwsConfigFiles> load_aws_config_files(const std::string& credentials_path,
                                                            const std::string& config_path);

// Reads profile `name` from the two files (missing files are fine; unreadable ones too).
AwsProfile load_aws_profile(const std::string& name, const std::string& credentials_path,
                            const std::string& config_path);

}  // namespace tdump::store
