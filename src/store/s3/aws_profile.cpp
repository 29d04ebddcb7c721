#include "store/s3/aws_profile.hpp"

#include <fstream>
#include <sstream>

#include "store/common/url.hpp"

namespace tdump::store {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Config files are small: anything over 1 MiB is not one (and is not read whole into memory).
constexpr std::size_t kMaxConfigFileBytes = 1U << 20;

std::optional<std::string> read_small_file(const std::string& path) {
  auto text = read_file_bounded(path, kMaxConfigFileBytes);
  if (!text) return std::nullopt;
  return std::move(*text);
}

}  // namespace

Result<std::string> read_file_bounded(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read " + path);
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read " + path);
  auto got = static_cast<std::size_t>(in.gcount());
  if (got > limit) {
    return make_error(ErrorCode::kLimit, path + " is larger than " + std::to_string(limit) + " bytes");
  }
  text.resize(got);
  return text;
}

std::map<std::string, IniSection> parse_ini(std::string_view text) {
  std::map<std::string, IniSection> out;
  IniSection* current = nullptr;
  bool nested = false;  // the last property had no value: indented lines below are its sub-properties
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    std::string_view line = trim(raw);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    // The indented lines under a property without a value ("s3 =" followed by
    // "  max_concurrent_requests = 10") are that property's sub-properties, not the profile's keys.
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (nested && indented) continue;
    nested = false;
    if (line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos) {
        current = nullptr;
        continue;
      }
      current = &out[std::string(trim(line.substr(1, close - 1)))];
      continue;
    }
    auto eq = line.find('=');
    if (current == nullptr || eq == std::string_view::npos) continue;  // nested "s3 =" blocks etc.
    std::string key = ascii_lower(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    nested = value.empty();
    (*current)[key] = std::move(value);
  }
  return out;
}

std::optional<std::string> AwsProfile::get(std::string_view key) const {
  if (auto it = credentials.find(std::string(key)); it != credentials.end() && !it->second.empty()) return it->second;
  if (auto it = config.find(std::string(key)); it != config.end() && !it->second.empty()) return it->second;
  return std::nullopt;
}

AwsProfile AwsConfigFiles::profile(const std::string& name) const {
  AwsProfile profile;
  profile.name = name;
  if (auto it = credentials.find(name); it != credentials.end()) {
    profile.credentials = it->second;
    profile.found = true;
  }
  auto it = config.find("profile " + name);
  if (it == config.end() && name == "default") it = config.find("default");
  if (it != config.end()) {
    profile.config = it->second;
    profile.found = true;
  }
  return profile;
}

const IniSection* AwsConfigFiles::sso_session(const std::string& name) const {
  auto it = config.find("sso-session " + name);
  return it == config.end() ? nullptr : &it->second;
}

std::shared_ptr<const AwsConfigFiles> load_aws_config_files(const std::string& credentials_path,
                                                            const std::string& config_path) {
  auto files = std::make_shared<AwsConfigFiles>();
  files->credentials_path = credentials_path;
  files->config_path = config_path;
  if (auto text = read_small_file(credentials_path)) files->credentials = parse_ini(*text);
  if (auto text = read_small_file(config_path)) files->config = parse_ini(*text);
  return files;
}

AwsProfile load_aws_profile(const std::string& name, const std::string& credentials_path,
                            const std::string& config_path) {
  auto files = load_aws_config_files(credentials_path, config_path);
  AwsProfile profile = files->profile(name);
  profile.files = std::move(files);
  return profile;
}

}  // namespace tdump::store
