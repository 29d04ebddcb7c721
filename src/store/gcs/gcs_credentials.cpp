#include "store/gcs/gcs_credentials.hpp"

#include <ctime>

#include "store/common/oauth_token.hpp"

namespace tdump::store {
namespace {

// A POST of an OAuth grant to a token endpoint (service account JWT, refresh token).
void post_grant(http::Engine& engine, const std::string& token_uri, std::string body, const std::string& what,
                BearerFetchDone done) {
  http::Request request = credential_request("POST", token_uri);
  request.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  request.body = std::move(body);
  fetch_credential(engine, std::move(request), what, [done = std::move(done), what](Result<http::Response> response) {
    if (!response) {
      done(std::move(response).error());
      return;
    }
    done(parse_bearer_json(response->body, CredentialClock::now(), what));
  });
}

void fetch_service_account_token(const GoogleCredentials& credentials, const std::string& scope, http::Engine& engine,
                                 BearerFetchDone done) {
  auto jwt = make_service_account_jwt(credentials, std::time(nullptr), scope);
  if (!jwt) {
    done(std::move(jwt).error());
    return;
  }
  post_grant(engine, credentials.token_uri, jwt_grant_body(*jwt),
             "OAuth token for service account " + credentials.client_email + " (POST " +
                 url_for_messages(credentials.token_uri) + ")",
             std::move(done));
}

void fetch_authorized_user_token(const GoogleCredentials& credentials, http::Engine& engine, BearerFetchDone done) {
  post_grant(engine, credentials.token_uri, refresh_grant_body(credentials),
             "OAuth refresh-token grant of client " + credentials.client_id + " (POST " +
                 url_for_messages(credentials.token_uri) + ")",
             std::move(done));
}

}  // namespace

void fetch_google_token(std::shared_ptr<const GoogleCredentials> credentials, std::string scope,
                        std::shared_ptr<http::Engine> engine, std::shared_ptr<http::Engine> metadata_engine,
                        BearerFetchDone done) {
  const std::string& type = credentials->type;
  if (type == "service_account") {
    fetch_service_account_token(*credentials, scope, *engine, std::move(done));
  } else if (type == "authorized_user") {
    fetch_authorized_user_token(*credentials, *engine, std::move(done));
  } else if (type == "gce_metadata") {
    fetch_gce_metadata_token(std::move(credentials), metadata_engine ? metadata_engine : engine, std::move(done));
  } else if (type == "external_account") {
    fetch_external_account_token(credentials, std::move(scope), std::move(engine), std::move(done));
  } else if (type == "impersonated_service_account") {
    fetch_impersonated_token(std::move(credentials), std::move(scope), std::move(engine), std::move(metadata_engine),
                             std::move(done));
  } else {
    done(make_error(ErrorCode::kUnsupported, "Google credentials of type '" + type + "' cannot give a token"));
  }
}

Result<CredentialProviderPtr<BearerCredential>> gcs_credential_provider(const GcsConfig& config,
                                                                        std::shared_ptr<http::Engine> engine,
                                                                        std::shared_ptr<http::Engine> metadata_engine,
                                                                        RefreshPolicy policy) {
  switch (config.auth) {
    case GcsConfig::Auth::kAnonymous:
      return CredentialProviderPtr<BearerCredential>{};
    case GcsConfig::Auth::kBearerToken:
      if (!is_header_safe_token(config.bearer_token)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "the bearer token from " + config.credentials_source +
                              " is not a single word of visible characters (it goes into a header as is)");
      }
      return CredentialProviderPtr<BearerCredential>(std::make_shared<StaticCredentialProvider<BearerCredential>>(
          BearerCredential{config.bearer_token}, config.credentials_source));
    case GcsConfig::Auth::kOAuth:
      break;
  }
  if (!engine) return make_error(ErrorCode::kInternal, "gcs_credential_provider needs an HTTP engine");
  auto credentials = std::make_shared<const GoogleCredentials>(config.credentials);
  auto fetch = [credentials, scope = std::string(config.scope), engine = std::move(engine),
                metadata_engine = std::move(metadata_engine)](BearerFetchDone done) {
    fetch_google_token(credentials, scope, engine, metadata_engine, std::move(done));
  };
  return CredentialProviderPtr<BearerCredential>(std::make_shared<RefreshingCredentialProvider<BearerCredential>>(
      std::move(fetch), config.credentials_source, policy));
}

std::vector<http::HeaderField> gcs_encryption_headers(const GcsConfig& config) {
  if (config.encryption_key_base64.empty()) return {};
  return {{"x-goog-encryption-algorithm", "AES256"},
          {"x-goog-encryption-key", config.encryption_key_base64},
          {"x-goog-encryption-key-sha256", config.encryption_key_sha256_base64}};
}

}  // namespace tdump::store
