// libFuzzer target: IAM Identity Center GetRoleCredentials answers
// ({"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}}) through
// parse_sso_role_credentials (store/s3/aws_credential_sources.hpp). Seeds: the answers of our SSO
// portal test server (tests/store/aws_cred_servers.py, fuzz/make_seeds.py).
#include "common/fuzz_support.hpp"
#include "store/s3/aws_credential_sources.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  auto credential = aws::parse_sso_role_credentials(tdump::fuzz::as_text(data, size), "SSO");
  if (!credential) {
    check(credential.error().message.starts_with("SSO"), "an SSO error does not name the call");
    return 0;
  }
  check(!credential->value.key_id.empty() && !credential->value.secret_key.empty() &&
            !credential->value.token.empty() && credential->expires.has_value(),
        "SSO credentials without a key id, secret, session token or expiration were accepted");
  return 0;
}
