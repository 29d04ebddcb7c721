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

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.size() > (1U << 20)) return std::nullopt;  // an AWS config file is never a megabyte
  return text;
}

}  // namespace

std::map<std::string, IniSection> parse_ini(std::string_view text) {
  std::map<std::string, IniSection> out;
  IniSection* current = nullptr;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
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
    (*current)[key] = std::string(trim(line.substr(eq + 1)));
  }
  return out;
}

std::optional<std::string> AwsProfile::get(std::string_view key) const {
  if (auto it = credentials.find(std::string(key)); it != credentials.end() && !it->second.empty()) return it->second;
  if (auto it = config.find(std::string(key)); it != config.end() && !it->second.empty()) return it->second;
  return std::nullopt;
}

AwsProfile load_aws_profile(const std::string& name, const std::string& credentials_path,
                            const std::string& config_path) {
  AwsProfile profile;
  profile.name = name;
  if (auto text = read_small_file(credentials_path)) {
    auto sections = parse_ini(*text);
    if (auto it = sections.find(name); it != sections.end()) {
      profile.credentials = it->second;
      profile.found = true;
    }
  }
  if (auto text = read_small_file(config_path)) {
    auto sections = parse_ini(*text);
    auto it = sections.find("profile " + name);
    if (it == sections.end() && name == "default") it = sections.find("default");
    if (it != sections.end()) {
      profile.config = it->second;
      profile.found = true;
    }
  }
  return profile;
}

}  // namespace tdump::store
