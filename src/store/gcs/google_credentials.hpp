#pragma once
// Google credential files (service-account keys, gcloud's authorized_user files) and the
// OAuth 2.0 exchanges they take part in: an RS256-signed JWT assertion for a service account
// (RFC 7523, as Google's "OAuth 2.0 for Server to Server Applications" describes it), a
// refresh-token grant for a user, and the token endpoint's JSON answer.
#include <ctime>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/common/token_cache.hpp"

namespace tdump::store {

inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr std::string_view kGcsReadScope = "https://www.googleapis.com/auth/devstorage.read_only";
// Asked for only by a store opened for writing (an OUT_DIR in a bucket).
inline constexpr std::string_view kGcsReadWriteScope = "https://www.googleapis.com/auth/devstorage.read_write";

struct GoogleCredentials {
  std::string type;  // "service_account" or "authorized_user"
  // service_account
  std::string client_email;
  std::string private_key;  // PEM
  std::string private_key_id;
  // authorized_user
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  // both
  std::string token_uri;     // defaults to kGoogleTokenUri
  std::string gcs_base_url;  // object_store's test hook: an endpoint to use instead of Google's
};

// Parses a credentials JSON; `source` names where it came from for errors (never its content).
Result<GoogleCredentials> parse_google_credentials(std::string_view json, std::string_view source);

// header.claims.signature (base64url), claims {iss, scope, aud=token_uri, iat, exp=iat+3600}.
Result<std::string> make_service_account_jwt(const GoogleCredentials& credentials, std::time_t now,
                                             std::string_view scope);

// application/x-www-form-urlencoded bodies for the token endpoint.
std::string jwt_grant_body(std::string_view assertion);
std::string refresh_grant_body(const GoogleCredentials& credentials);

// {"access_token": "...", "expires_in": 3599, "token_type": "Bearer"} -> Token.
Result<Token> parse_token_response(std::string_view body, std::chrono::steady_clock::time_point now);

}  // namespace tdump::store
