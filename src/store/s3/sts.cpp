// AWS STS (STS API Reference): AssumeRoleWithWebIdentity (unsigned: the web identity token is
// the proof) and AssumeRole (SigV4-signed, service "sts", by the source credentials), both as a
// POST of an application/x-www-form-urlencoded body (Version 2011-06-15) to the endpoint, which
// answers XML (<...Result><Credentials>AccessKeyId, SecretAccessKey, SessionToken, Expiration).
#include "store/common/crypto.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"
#include "store/s3/aws_credential_sources.hpp"
#include "store/s3/sigv4.hpp"

namespace tdump::store::aws {
namespace {

constexpr std::string_view kFormType = "application/x-www-form-urlencoded; charset=utf-8";

struct StsTarget {
  std::string url;             // origin + path
  std::string host;            // Host header
  std::string canonical_path;  // "/" or the endpoint's path
};

Result<StsTarget> sts_target(const std::string& endpoint) {
  auto parsed = parse_url(endpoint);
  if (!parsed) return std::move(parsed).error();
  StsTarget target;
  target.canonical_path = parsed->path.empty() ? "/" : parsed->path;
  target.url = origin(*parsed) + target.canonical_path;
  target.host = host_header(*parsed);
  return target;
}

std::vector<std::pair<std::string, std::string>> common_params(const AwsCredentialPlan& plan, const char* action) {
  std::vector<std::pair<std::string, std::string>> params = {{"Action", action},
                                                             {"Version", "2011-06-15"},
                                                             {"RoleArn", plan.role_arn},
                                                             {"RoleSessionName", plan.role_session_name}};
  if (plan.duration_seconds) params.emplace_back("DurationSeconds", std::to_string(*plan.duration_seconds));
  return params;
}

}  // namespace

void fetch_web_identity(const AwsCredentialPlan& plan, const std::shared_ptr<http::Engine>& engine, FetchDone done) {
  const std::string what = "STS AssumeRoleWithWebIdentity at " + plan.sts_endpoint;
  auto token = read_file_bounded(plan.web_identity_token_file, kMaxTokenFile);
  if (!token) {
    done(make_error(ErrorCode::kPermissionDenied,
                    "web identity token file " + plan.web_identity_token_file + ": " + token.error().message));
    return;
  }
  std::string jwt = std::move(*token);
  while (!jwt.empty() && (jwt.back() == '\n' || jwt.back() == '\r' || jwt.back() == ' ')) jwt.pop_back();
  if (jwt.empty()) {
    done(make_error(ErrorCode::kPermissionDenied,
                    "web identity token file " + plan.web_identity_token_file + " is empty"));
    return;
  }
  auto target = sts_target(plan.sts_endpoint);
  if (!target) {
    done(std::move(target).error());
    return;
  }
  auto params = common_params(plan, "AssumeRoleWithWebIdentity");
  params.emplace_back("WebIdentityToken", jwt);
  http::Request request;
  request.method = "POST";
  request.url = target->url;
  request.body = canonical_query(std::move(params));
  request.headers.push_back({"content-type", std::string(kFormType)});
  request.headers.push_back({"accept", "application/xml"});
  send(engine, std::move(request), what, [what, jwt, done = std::move(done)](Result<http::Response> response) {
    if (!response) return done(std::move(response).error());
    done(parse_sts_response(*response, "AssumeRoleWithWebIdentityResult", what, {jwt}));
  });
}

void fetch_assume_role(const AwsCredentialPlan& plan, const CredentialProviderPtr<AwsCredential>& source,
                       const std::shared_ptr<http::Engine>& engine, FetchDone done) {
  const std::string what = "STS AssumeRole at " + plan.sts_endpoint;
  auto target = sts_target(plan.sts_endpoint);
  if (!target) {
    done(std::move(target).error());
    return;
  }
  auto params = common_params(plan, "AssumeRole");
  if (!plan.external_id.empty()) params.emplace_back("ExternalId", plan.external_id);
  std::string body = canonical_query(std::move(params));
  // Ask the source for its credential; sign and send when it answers (maybe on another thread).
  source->get([what, target = std::move(*target), body = std::move(body), region = plan.sts_region, source, engine,
               done = std::move(done)](Result<CredentialProvider<AwsCredential>::Ptr> credential) mutable {
    if (!credential) {
      Error error = std::move(credential).error();
      error.message = "the credentials that sign AssumeRole: " + error.message;
      return done(std::move(error));
    }
    CredentialProvider<AwsCredential>::Ptr signing = std::move(*credential);
    // A copy: amz_date_now() is a per-thread buffer that the next call may rewrite.
    const std::string amz_date = amz_date_now();  // NOLINT(performance-unnecessary-copy-initialization)
    const std::string payload_hash = hex_encode(sha256(body));
    // Sorted by name, as SigV4 requires.
    std::vector<SignedHeader> headers = {{"content-type", kFormType}, {"host", target.host}, {"x-amz-date", amz_date}};
    if (!signing->token.empty()) headers.emplace_back("x-amz-security-token", signing->token);
    SigV4Signer signer(AwsCredentials{signing->key_id, signing->secret_key, signing->token}, region, "sts");
    SigV4Request to_sign{"POST", target.canonical_path, "", headers, payload_hash, amz_date};
    http::Request request;
    request.method = "POST";
    request.url = target.url;
    request.body = std::move(body);
    request.headers.push_back({"authorization", signer.authorization(to_sign)});
    request.headers.push_back({"content-type", std::string(kFormType)});
    request.headers.push_back({"x-amz-date", amz_date});
    if (!signing->token.empty()) request.headers.push_back({"x-amz-security-token", signing->token});
    request.headers.push_back({"accept", "application/xml"});
    send(engine, std::move(request), what,
         [what, signing, source, done = std::move(done)](Result<http::Response> response) {
           if (!response) return done(std::move(response).error());
           auto result = parse_sts_response(*response, "AssumeRoleResult", what, {signing->token, signing->key_id});
           if (!result &&
               (result.error().remote_code == "ExpiredToken" || result.error().remote_code == "InvalidClientTokenId")) {
             source->invalidate(signing);  // the next fetch asks the source for a fresh one
           }
           done(std::move(result));
         });
  });
}

}  // namespace tdump::store::aws
