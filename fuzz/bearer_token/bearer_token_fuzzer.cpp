// libFuzzer target: the JSON answers of OAuth-style token endpoints (store/common/oauth_token.hpp):
// parse_bearer_json as Google's STS, IAM Credentials and metadata server, Azure AD, Azure IMDS
// and App Service answer (access_token / accessToken / token; expires_in, expires_on, expireTime),
// safe_error_code on their error bodies, redact_secrets, and the Azure CLI's
// `az account get-access-token` output (parse_azure_cli_token, store/azure/azure_credentials.hpp).
// Seeds: the answers of our GCE metadata, Google STS and Azure identity test servers
// (tests/store/cred_servers/) and the CLI's documented output (fuzz/make_seeds.py).
#include <algorithm>
#include <chrono>

#include "common/fuzz_support.hpp"
#include "store/azure/azure_credentials.hpp"
#include "store/common/oauth_token.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

namespace {

bool code_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == ' ';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view body = tdump::fuzz::as_text(data, size);
  const auto now = CredentialClock::from_time_t(1'700'000'000);
  if (auto token = parse_bearer_json(body, now, "token endpoint")) {
    check(is_header_safe_token(token->value.token), "a token that cannot go into a header was accepted");
    check(token->expires.has_value() && *token->expires <= now + std::chrono::hours(24 * 7),
          "a token without an expiry, or living longer than a week, was accepted");
  } else {
    check(token.error().message.starts_with("token endpoint"), "a token error does not name the endpoint");
  }
  const std::string code = safe_error_code(body);
  check(code.size() <= 128 && std::all_of(code.begin(), code.end(), code_char),
        "an error code carries more than code characters");
  if (auto cli = parse_azure_cli_token(body)) {
    check(is_header_safe_token(cli->value.token) && cli->expires.has_value(),
          "an Azure CLI token that cannot go into a header, or without an expiry, was accepted");
  }
  const std::string redacted = redact_secrets(body, 200);
  check(redacted.size() <= 203 && redacted.find_first_of("\r\n\t") == std::string::npos,
        "redact_secrets left line breaks or exceeded its length");
  return 0;
}
