// libFuzzer target: the AWS shared config files (~/.aws/config and ~/.aws/credentials) through
// parse_ini and the profile / sso-session look-ups (store/s3/aws_profile.hpp), and the
// credential_process command lines they hold through split_command_line
// (store/s3/aws_credentials.hpp). The input is a file; the seeds are files in the layouts of the
// AWS SDKs and Tools Reference Guide (fuzz/make_seeds.py). A command line split into words must
// split the same again once each word is single-quoted.
#include "common/fuzz_support.hpp"
#include "store/s3/aws_credentials.hpp"
#include "store/s3/aws_profile.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

namespace {

bool trimmed(std::string_view text) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  return text.empty() || (!blank(text.front()) && !blank(text.back()));
}

// 'word' with each ' written as '\'' (close, an escaped quote, reopen).
std::string single_quoted(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

void check_command_line(std::string_view command) {
  auto words = split_command_line(command);
  if (!words) return;
  check(!words->empty(), "a command line split into no words");
  std::string requoted;
  for (const std::string& word : *words) requoted += single_quoted(word) + " ";
  auto again = split_command_line(requoted);
  check(again.ok() && *again == *words, "quoted words do not split back into the same words");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view text = tdump::fuzz::as_text(data, size);
  auto files = std::make_shared<AwsConfigFiles>();
  files->config = parse_ini(text);
  files->credentials = files->config;
  for (const auto& [name, section] : files->config) {
    check(trimmed(name), "a section name keeps blanks at its ends");
    for (const auto& [key, value] : section) {
      check(trimmed(key) && trimmed(value), "a key or value keeps blanks at its ends");
      check(std::none_of(key.begin(), key.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
            "a key is not lower-cased");
      if (key == "credential_process") check_command_line(value);
    }
    std::string_view profile = name;
    if (profile.starts_with("profile ")) profile.remove_prefix(8);
    const AwsProfile found = files->profile(std::string(profile));
    check(found.found, "a section of the file is not found as a profile");
    if (auto session = found.get("sso_session")) (void)files->sso_session(*session);
  }
  check_command_line(text);
  return 0;
}
