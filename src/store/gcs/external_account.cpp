// Workload identity federation (Google's "external_account" credential files, AIP-4117) and
// service-account impersonation (IAM Credentials API, projects.serviceAccounts.generateAccessToken):
// 1. the subject token: the credential_source file, read again on every exchange (Kubernetes
//    rotates projected service-account tokens), or a GET of credential_source.url with its
//    headers; "text" or a "json" field;
// 2. the RFC 8693 token exchange at the STS token_url (grant_type token-exchange, audience,
//    scope, requested_token_type access_token, subject_token, subject_token_type; HTTP Basic
//    client authentication when the file has client_id / client_secret);
// 3. with service_account_impersonation_url: POST {"scope": [...], "lifetime": "Ns"} there with
//    the STS token as the bearer; the answer is {"accessToken", "expireTime"}.
// An impersonated_service_account file does step 3 with its source credentials' token.
#include <fstream>
#include <string>

#include "store/common/crypto.hpp"
#include "store/common/oauth_token.hpp"
#include "store/gcs/gcs_credentials.hpp"

namespace tdump::store {
namespace {

using SubjectDone = std::function<void(Result<std::string>)>;

Result<std::string> read_subject_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read the subject token file '" + path + "'");
  std::string text(kCredentialBodyCap + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kCredentialBodyCap) {
    return make_error(ErrorCode::kLimit, "the subject token file '" + path + "' is larger than " +
                                             std::to_string(kCredentialBodyCap) + " bytes");
  }
  return text;
}

void subject_token(const std::shared_ptr<const GoogleCredentials>& credentials, http::Engine& engine,
                   SubjectDone done) {
  const auto& source = credentials->subject_source;
  if (!source.file.empty()) {
    // A small local file (a projected token is ~1 KiB): read inline, like a config file.
    auto text = read_subject_file(source.file);
    if (!text) {
      done(std::move(text).error());
      return;
    }
    done(subject_token_from(source, *text, "file " + source.file));
    return;
  }
  http::Request request = credential_request("GET", source.url);
  for (const auto& [name, value] : source.headers) request.headers.push_back({name, value});
  std::string where = "URL " + url_for_messages(source.url);
  fetch_credential(engine, std::move(request), "subject token (GET " + url_for_messages(source.url) + ")",
                   [credentials, where, done = std::move(done)](Result<http::Response> response) {
                     if (!response) {
                       done(std::move(response).error());
                       return;
                     }
                     done(subject_token_from(credentials->subject_source, response->body, where));
                   });
}

void sts_exchange(const std::shared_ptr<const GoogleCredentials>& credentials, const std::string& subject,
                  const std::string& scope, http::Engine& engine, BearerFetchDone done) {
  http::Request request = credential_request("POST", credentials->token_uri);
  request.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
  if (!credentials->client_id.empty() && !credentials->client_secret.empty()) {
    request.headers.push_back(
        {"authorization", "Basic " + base64_encode(credentials->client_id + ":" + credentials->client_secret)});
  }
  request.body = sts_exchange_body(*credentials, subject, scope);
  std::string what =
      "STS token exchange for " + credentials->audience + " (POST " + url_for_messages(credentials->token_uri) + ")";
  fetch_credential(engine, std::move(request), what, [what, done = std::move(done)](Result<http::Response> response) {
    if (!response) {
      done(std::move(response).error());
      return;
    }
    done(parse_bearer_json(response->body, CredentialClock::now(), what));
  });
}

}  // namespace

void impersonate_service_account(const GoogleCredentials& credentials, const std::string& caller_token,
                                 const std::string& scope, http::Engine& engine, BearerFetchDone done) {
  http::Request request = credential_request("POST", credentials.impersonation_url);
  request.headers.push_back({"content-type", "application/json"});
  request.headers.push_back({"authorization", "Bearer " + caller_token});
  request.body = impersonation_body(credentials, scope);
  std::string what = "service-account impersonation (POST " + url_for_messages(credentials.impersonation_url) + ")";
  fetch_credential(engine, std::move(request), what, [what, done = std::move(done)](Result<http::Response> response) {
    if (!response) {
      done(std::move(response).error());
      return;
    }
    done(parse_bearer_json(response->body, CredentialClock::now(), what));
  });
}

void fetch_external_account_token(const std::shared_ptr<const GoogleCredentials>& credentials, std::string scope,
                                  std::shared_ptr<http::Engine> engine, BearerFetchDone done) {
  auto& engine_ref = *engine;
  subject_token(credentials, engine_ref,
                [credentials, scope = std::move(scope), engine = std::move(engine),
                 done = std::move(done)](Result<std::string> subject) mutable {
                  if (!subject) {
                    done(std::move(subject).error());
                    return;
                  }
                  if (credentials->impersonation_url.empty()) {
                    sts_exchange(credentials, *subject, scope, *engine, std::move(done));
                    return;
                  }
                  // The IAM Credentials API wants a cloud-platform token from STS; the
                  // impersonated token gets the store's own scope.
                  auto& inner_engine = *engine;
                  sts_exchange(credentials, *subject, std::string(kCloudPlatformScope), inner_engine,
                               [credentials, scope = std::move(scope), engine = std::move(engine),
                                done = std::move(done)](Result<Expiring<BearerCredential>> federated) mutable {
                                 if (!federated) {
                                   done(std::move(federated).error());
                                   return;
                                 }
                                 impersonate_service_account(*credentials, federated->value.token, scope, *engine,
                                                             std::move(done));
                               });
                });
}

void fetch_impersonated_token(std::shared_ptr<const GoogleCredentials> credentials, std::string scope,
                              std::shared_ptr<http::Engine> engine, std::shared_ptr<http::Engine> metadata_engine,
                              BearerFetchDone done) {
  auto source = credentials->source;
  if (!source) {
    done(make_error(ErrorCode::kInvalidArgument, "impersonated_service_account credentials without a source"));
    return;
  }
  auto engine_copy = engine;
  fetch_google_token(std::move(source), std::string(kCloudPlatformScope), std::move(engine_copy),
                     std::move(metadata_engine),
                     [credentials = std::move(credentials), scope = std::move(scope), engine = std::move(engine),
                      done = std::move(done)](Result<Expiring<BearerCredential>> caller) mutable {
                       if (!caller) {
                         done(std::move(caller).error());
                         return;
                       }
                       impersonate_service_account(*credentials, caller->value.token, scope, *engine, std::move(done));
                     });
}

}  // namespace tdump::store
