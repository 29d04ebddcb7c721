#pragma once
// Google credential files and the OAuth 2.0 exchanges they take part in (Google's
// "Application Default Credentials" file types):
// - service_account: an RS256-signed JWT assertion (RFC 7523) exchanged at the file's token_uri;
// - authorized_user (gcloud auth application-default login): a refresh-token grant;
// - external_account (workload identity federation): a subject token from a file or a URL,
//   exchanged at the STS token_url (RFC 8693 token exchange), then optionally exchanged again
//   for a service account's token at service_account_impersonation_url (IAM Credentials
//   generateAccessToken);
// - impersonated_service_account (gcloud ... --impersonate-service-account): the source
//   credentials' token, exchanged at service_account_impersonation_url;
// and, when no file is found, the metadata server of GCE / GKE (type "gce_metadata" here, not a
// file type). The fetchers that run these exchanges are in gcs_credentials.hpp.
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace tdump::store {

// An access token and when it stops being valid, on the steady clock.
struct Token {
  std::string value;
  std::chrono::steady_clock::time_point expires_at;
};

inline constexpr std::string_view kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr std::string_view kGcsReadScope = "https://www.googleapis.com/auth/devstorage.read_only";
// Asked for only by a store opened for writing (an OUT_DIR in a bucket).
inline constexpr std::string_view kGcsReadWriteScope = "https://www.googleapis.com/auth/devstorage.read_write";
// What the IAM Credentials API requires of the token that calls it (impersonation).
inline constexpr std::string_view kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::string_view kGceMetadataHost = "metadata.google.internal";
inline constexpr std::string_view kGceMetadataIp = "169.254.169.254";

// Where an external_account file's subject token comes from (its "credential_source").
struct ExternalSubjectSource {
  std::string file;  // read on every exchange (Kubernetes rotates projected tokens)
  std::string url;   // or fetched with a GET on every exchange
  std::vector<std::pair<std::string, std::string>> headers;  // sent with the GET
  std::string format = "text";                               // "text" or "json"
  std::string json_field;                                    // format json: subject_token_field_name
};

struct GoogleCredentials {
  // "service_account", "authorized_user", "external_account", "impersonated_service_account",
  // or "gce_metadata" (the metadata server; no file).
  std::string type;
  // service_account
  std::string client_email;
  std::string private_key;  // PEM
  std::string private_key_id;
  // authorized_user (also external_account's optional STS client authentication)
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  // service_account / authorized_user: the token endpoint; external_account: its token_url (STS).
  std::string token_uri;
  std::string gcs_base_url;    // object_store's test hook: an endpoint to use instead of Google's
  bool disable_oauth = false;  // object_store's test hook: send no Authorization at all
  // external_account
  std::string audience;
  std::string subject_token_type;
  ExternalSubjectSource subject_source;
  std::string workforce_pool_user_project;
  // external_account (optional) and impersonated_service_account
  std::string impersonation_url;  // ".../serviceAccounts/EMAIL:generateAccessToken"
  std::int64_t impersonation_lifetime_seconds = 3600;
  std::vector<std::string> delegates;
  std::shared_ptr<const GoogleCredentials> source;  // impersonated_service_account
  // gce_metadata: "host[:port]" asked first, and the address asked when that fails to connect
  // (empty: no second try).
  std::string metadata_host;
  std::string metadata_fallback_host;
};

// Parses a credentials JSON; `source` names where it came from for errors (never its content).
// Types that need a program or another cloud's metadata (external_account with an "executable"
// or "environment_id" source) are kUnsupported errors that say so.
Result<GoogleCredentials> parse_google_credentials(std::string_view json, std::string_view source);

// header.claims.signature (base64url), claims {iss, scope, aud=token_uri, iat, exp=iat+3600}.
Result<std::string> make_service_account_jwt(const GoogleCredentials& credentials, std::time_t now,
                                             std::string_view scope);

// application/x-www-form-urlencoded bodies for the token endpoint.
std::string jwt_grant_body(std::string_view assertion);
std::string refresh_grant_body(const GoogleCredentials& credentials);
// RFC 8693 token exchange at Google's STS, as the external_account file describes it.
std::string sts_exchange_body(const GoogleCredentials& credentials, std::string_view subject_token,
                              std::string_view scope);
// IAM Credentials generateAccessToken request body: {"scope": [...], "lifetime": "3600s", "delegates": [...]}.
std::string impersonation_body(const GoogleCredentials& credentials, std::string_view scope);

// The subject token inside what a credential_source file or URL gave (text: trimmed; json: the
// named field), or an error that never shows the content.
Result<std::string> subject_token_from(const ExternalSubjectSource& source, std::string_view content,
                                       std::string_view where);

// {"access_token": "...", "expires_in": 3599, "token_type": "Bearer"} -> Token (steady clock).
// The providers in gcs_credentials.hpp use parse_bearer_json (common/oauth_token.hpp) instead.
Result<Token> parse_token_response(std::string_view body, std::chrono::steady_clock::time_point now);

}  // namespace tdump::store
