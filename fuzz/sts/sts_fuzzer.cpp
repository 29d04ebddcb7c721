// libFuzzer target: AWS STS answers (parse_sts_response, store/s3/aws_credential_sources.hpp):
// AssumeRoleWithWebIdentity and AssumeRole results (<...Result><Credentials>) and
// <ErrorResponse> errors. The input is a response body, read as a 200 answer and as a 400 / 403
// error; the seeds are the answers of moto_server's STS and of our STS test server
// (tests/store/aws_cred_servers.py, fuzz/make_seeds.py). The secrets the request carried (a web
// identity JWT, the signing key id) must never reach an error, whatever the server echoes.
#include "common/fuzz_support.hpp"
#include "store/s3/aws_credential_sources.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

namespace {

// Short enough that the excerpt's run-of-token-characters rule alone would not hide them.
constexpr std::string_view kKeyId = "ASIAFUZZKEY0SECRET";
constexpr std::string_view kJwt = "eyJfuzz.jwt.SECRET";

void check_no_secret(const tdump::Error& error) {
  const std::string shown = error.describe();
  check(shown.find(kKeyId) == std::string::npos && shown.find(kJwt) == std::string::npos,
        "an STS error shows a secret the request carried");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  tdump::http::Response response;
  response.body = std::string(tdump::fuzz::as_text(data, size));
  for (const int status : {200, size % 2 == 0 ? 400 : 403}) {
    response.status = status;
    for (const std::string_view result : {"AssumeRoleWithWebIdentityResult", "AssumeRoleResult"}) {
      auto credential = aws::parse_sts_response(response, result, "STS", {kKeyId, kJwt});
      if (!credential) {
        check(credential.error().message.starts_with("STS"), "an STS error does not name the call");
        check_no_secret(credential.error());
        continue;
      }
      check(status == 200, "an error status gave credentials");
      check(!credential->value.key_id.empty() && !credential->value.secret_key.empty() &&
                !credential->value.token.empty() && credential->expires.has_value(),
            "STS credentials without a key id, secret, session token or expiration were accepted");
    }
  }
  return 0;
}
