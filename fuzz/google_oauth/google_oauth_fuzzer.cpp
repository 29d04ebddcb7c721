// libFuzzer target: Google OAuth 2.0 JSON, one document per input, read both ways: as a token
// endpoint answer ({"access_token", "expires_in", "token_type"}: parse_token_response) and as a
// credentials file (service_account / authorized_user: parse_google_credentials), both in
// store/gcs/google_credentials.hpp. Seeds: our GCS test server's token answers and credential
// files in Google's documented layouts (fuzz/make_seeds.py).
#include <chrono>

#include "common/fuzz_support.hpp"
#include "store/gcs/google_credentials.hpp"

using tdump::fuzz::check;
using namespace tdump::store;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view text = tdump::fuzz::as_text(data, size);
  const auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  if (auto token = parse_token_response(text, now)) {
    check(!token->value.empty(), "a token answer without a token was accepted");
    check(token->expires_at > now && token->expires_at <= now + std::chrono::hours(24 * 7),
          "a token's lifetime is not within (0, 7 days]");
  }
  if (auto credentials = parse_google_credentials(text, "fuzz input")) {
    check(!credentials->token_uri.empty(), "credentials without a token URI");
    if (credentials->type == "service_account") {
      check(!credentials->client_email.empty() && !credentials->private_key.empty(),
            "a service account without client_email or private_key was accepted");
    } else {
      check(credentials->type == "authorized_user" && !credentials->client_id.empty() &&
                !credentials->client_secret.empty() && !credentials->refresh_token.empty(),
            "credentials of another type, or a user without client id, secret or refresh token, were accepted");
    }
  }
  return 0;
}
