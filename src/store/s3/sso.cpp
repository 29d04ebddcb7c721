// IAM Identity Center (SSO) credentials (AWS SDKs and Tools Reference Guide, "IAM Identity
// Center credential provider"; Portal API Reference, GetRoleCredentials): the access token that
// `aws sso login` cached in ~/.aws/sso/cache/<sha1>.json ({"accessToken", "expiresAt", ...}) is
// read at every fetch (a new login during a long run is picked up), then
//   GET {portal}/federation/credentials?account_id=A&role_name=R   x-amz-sso_bearer_token: TOKEN
// answers {"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}}.
// Refreshing the SSO token itself (SSO OIDC CreateToken) is left to `aws sso login`.
#include <nlohmann/json.hpp>

#include "store/common/time_format.hpp"
#include "store/common/url.hpp"
#include "store/s3/aws_credential_sources.hpp"

namespace tdump::store::aws {

Result<Expiring<AwsCredential>> parse_sso_role_credentials(std::string_view body, std::string_view what) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* role = nullptr;
  if (json.is_object()) {
    if (auto it = json.find("roleCredentials"); it != json.end() && it->is_object()) role = &*it;
  }
  auto text = [&](const char* name) -> std::string {
    if (role == nullptr) return {};
    auto it = role->find(name);
    return it != role->end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  Expiring<AwsCredential> out;
  out.value.key_id = text("accessKeyId");
  out.value.secret_key = text("secretAccessKey");
  out.value.token = text("sessionToken");
  if (out.value.key_id.empty() || out.value.secret_key.empty() || out.value.token.empty()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no roleCredentials");
  }
  auto expiration = role->find("expiration");
  if (expiration == role->end() || !expiration->is_number_integer()) {
    return make_error(ErrorCode::kParse, std::string(what) + ": the answer has no expiration");
  }
  out.expires = credential_time(std::chrono::milliseconds(expiration->get<std::int64_t>()));
  return out;
}

void fetch_sso(const AwsCredentialPlan& plan, const std::shared_ptr<http::Engine>& engine, FetchDone done) {
  const std::string login = "run `" + plan.sso_login_hint + "`";
  auto cached = read_file_bounded(plan.sso_token_file, kMaxTokenFile);
  if (!cached) {
    done(make_error(ErrorCode::kPermissionDenied,
                    "no cached SSO token (" + plan.sso_token_file + ": " + cached.error().message + "): " + login));
    return;
  }
  auto json = nlohmann::json::parse(*cached, nullptr, false);
  std::string token;
  std::string expires_at;
  if (json.is_object()) {
    if (auto it = json.find("accessToken"); it != json.end() && it->is_string()) token = it->get<std::string>();
    if (auto it = json.find("expiresAt"); it != json.end() && it->is_string()) expires_at = it->get<std::string>();
  }
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
    done(make_error(ErrorCode::kPermissionDenied,
                    "the SSO token cache " + plan.sso_token_file + " has no accessToken: " + login));
    return;
  }
  auto expires_us = parse_iso8601_us(expires_at);
  const auto now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(CredentialClock::now().time_since_epoch()).count();
  if (!expires_us || *expires_us <= now_us) {
    done(make_error(ErrorCode::kPermissionDenied, "the SSO session in " + plan.sso_token_file +
                                                      (expires_us ? " has expired: " : " has no valid expiresAt: ") +
                                                      login));
    return;
  }
  std::string portal = plan.sso_portal;
  while (!portal.empty() && portal.back() == '/') portal.pop_back();
  http::Request request;
  request.method = "GET";
  request.url = portal + "/federation/credentials?" +
                canonical_query({{"account_id", plan.sso_account_id}, {"role_name", plan.sso_role_name}});
  request.headers.push_back({"x-amz-sso_bearer_token", token});
  request.headers.push_back({"accept", "application/json"});
  const std::string what =
      "SSO GetRoleCredentials at " + portal + " (account " + plan.sso_account_id + ", role " + plan.sso_role_name + ")";
  auto target_engine = engine_for(request.url, engine);  // before the request is moved away
  send(target_engine, std::move(request), what,
       [what, login, token, done = std::move(done)](Result<http::Response> response) {
         if (!response) return done(std::move(response).error());
         if (response->status != 200) {
           std::string message = what + ": " + describe_failure(*response, {token});
           if (response->status == 401) message += " (" + login + ")";
           Error error = make_error(
               response->status == 401 || response->status == 403 ? ErrorCode::kPermissionDenied : ErrorCode::kHttp,
               std::move(message));
           error.http_status = response->status;
           error.attempts = response->attempts;
           return done(std::move(error));
         }
         done(parse_sso_role_credentials(response->body, what));
       });
}

}  // namespace tdump::store::aws
