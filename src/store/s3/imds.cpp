// EC2 instance metadata credentials, IMDSv2 (EC2 User Guide, "Use the Instance Metadata Service
// to access instance metadata" and "Retrieve security credentials from instance metadata"):
//   PUT  /latest/api/token                                   X-aws-ec2-metadata-token-ttl-seconds
//   GET  /latest/meta-data/iam/security-credentials/          X-aws-ec2-metadata-token -> role name
//   GET  /latest/meta-data/iam/security-credentials/ROLE      -> {"Code":"Success","AccessKeyId",...}
// Without a token (IMDSv1) only when imdsv1_fallback is set and the token PUT is refused with
// 403 / 404 / 405 (IMDSv2 not offered); any other failure is an error.
#include "store/common/url.hpp"
#include "store/s3/aws_credential_sources.hpp"

namespace tdump::store::aws {
namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kTokenTtlSeconds = "21600";  // six hours, the documented maximum

struct ImdsFetch {
  std::string endpoint;  // no trailing '/'
  bool imdsv1_fallback = false;
  std::shared_ptr<http::Engine> engine;
  FetchDone done;
  std::string token;  // secret: never in a message
};

http::Request metadata_get(const ImdsFetch& fetch, std::string path) {
  http::Request request;
  request.method = "GET";
  request.url = fetch.endpoint + std::move(path);
  if (!fetch.token.empty()) request.headers.push_back({"x-aws-ec2-metadata-token", fetch.token});
  return request;
}

void get_credentials(const std::shared_ptr<ImdsFetch>& fetch, const std::string& role) {
  const std::string what = "instance metadata: GET " + std::string(kRolesPath) + role;
  send(fetch->engine, metadata_get(*fetch, std::string(kRolesPath) + percent_encode(role, false)), what,
       [fetch, what](Result<http::Response> response) {
         if (!response) return fetch->done(std::move(response).error());
         if (response->status != 200) {
           Error error =
               make_error(ErrorCode::kPermissionDenied, what + ": " + describe_failure(*response, {fetch->token}));
           error.http_status = response->status;
           return fetch->done(std::move(error));
         }
         fetch->done(parse_json_credentials(response->body, what, true));
       });
}

void get_role(const std::shared_ptr<ImdsFetch>& fetch) {
  const std::string what = "instance metadata: GET " + std::string(kRolesPath);
  send(fetch->engine, metadata_get(*fetch, std::string(kRolesPath)), what,
       [fetch, what](Result<http::Response> response) {
         if (!response) return fetch->done(std::move(response).error());
         if (response->status == 404) {
           Error error = make_error(ErrorCode::kPermissionDenied, what + ": HTTP 404, no IAM role is attached");
           error.http_status = 404;
           return fetch->done(std::move(error));
         }
         if (response->status != 200) {
           Error error =
               make_error(ErrorCode::kPermissionDenied, what + ": " + describe_failure(*response, {fetch->token}));
           error.http_status = response->status;
           return fetch->done(std::move(error));
         }
         // One role name a line; an instance profile has one role.
         std::string_view body = response->body;
         std::string role;
         while (!body.empty() && role.empty()) {
           auto nl = body.find('\n');
           std::string_view line = body.substr(0, nl);
           while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
           role = std::string(line);
           body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
         }
         if (role.empty() || role.size() > 128) {
           return fetch->done(make_error(ErrorCode::kParse, what + ": the answer names no role"));
         }
         get_credentials(fetch, role);
       });
}

}  // namespace

void fetch_instance_metadata(const AwsCredentialPlan& plan, FetchDone done) {
  auto fetch = std::make_shared<ImdsFetch>();
  fetch->endpoint = plan.metadata_endpoint;
  while (!fetch->endpoint.empty() && fetch->endpoint.back() == '/') fetch->endpoint.pop_back();
  fetch->imdsv1_fallback = plan.imdsv1_fallback;
  fetch->engine = metadata_engine();
  fetch->done = std::move(done);

  http::Request request;
  request.method = "PUT";
  request.url = fetch->endpoint + std::string(kTokenPath);
  request.headers.push_back({"x-aws-ec2-metadata-token-ttl-seconds", std::string(kTokenTtlSeconds)});
  request.max_body_bytes = 4096;
  const std::string what = "instance metadata: PUT " + std::string(kTokenPath);
  send(fetch->engine, std::move(request), what, [fetch, what](Result<http::Response> response) {
    if (!response) return fetch->done(std::move(response).error());
    const int status = response->status;
    if (status == 200) {
      fetch->token = response->body;
      while (!fetch->token.empty() && (fetch->token.back() == '\n' || fetch->token.back() == '\r')) {
        fetch->token.pop_back();
      }
      if (fetch->token.empty() || fetch->token.find_first_of("\r\n") != std::string::npos) {
        return fetch->done(make_error(ErrorCode::kParse, what + ": the answer is not a token"));
      }
      return get_role(fetch);
    }
    if (fetch->imdsv1_fallback && (status == 403 || status == 404 || status == 405)) return get_role(fetch);
    std::string message = what + ": " + describe_failure(*response);
    if (status == 403 || status == 404 || status == 405) message += " (IMDSv2 refused; imdsv1_fallback is not set)";
    Error error = make_error(ErrorCode::kPermissionDenied, std::move(message));
    error.http_status = status;
    fetch->done(std::move(error));
  });
}

}  // namespace tdump::store::aws
