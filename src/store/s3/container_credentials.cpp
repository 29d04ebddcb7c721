// Container credentials (AWS SDKs and Tools Reference Guide, "Container credential provider"):
// GET the ECS task-role URL (http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity: http://169.254.170.23/v1/credentials),
// with `Authorization: <token>` from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at every fetch:
// the agent rotates it) or AWS_CONTAINER_AUTHORIZATION_TOKEN. The answer is a credentials JSON.
#include "http/url_redaction.hpp"
#include "store/s3/aws_credential_sources.hpp"

namespace tdump::store::aws {

void fetch_container(const AwsCredentialPlan& plan, const std::shared_ptr<http::Engine>& engine, FetchDone done) {
  const std::string what = "container credentials: GET " + http::redact_url(plan.container_url);
  std::string token = plan.container_token;
  if (!plan.container_token_file.empty()) {
    auto text = read_file_bounded(plan.container_token_file, kMaxTokenFile);
    if (!text) {
      done(make_error(ErrorCode::kPermissionDenied,
                      what + ": authorization token file " + plan.container_token_file + ": " + text.error().message));
      return;
    }
    token = std::move(*text);
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.find_first_of("\r\n") != std::string::npos) {
    done(make_error(ErrorCode::kInvalidArgument, what + ": the authorization token contains a line break"));
    return;
  }
  http::Request request;
  request.method = "GET";
  request.url = plan.container_url;
  if (!token.empty()) request.headers.push_back({"authorization", token});
  send(engine_for(plan.container_url, engine), std::move(request), what,
       [what, token, done = std::move(done)](Result<http::Response> response) {
         if (!response) return done(std::move(response).error());
         if (response->status != 200) {
           Error error = make_error(
               response->status == 401 || response->status == 403 ? ErrorCode::kPermissionDenied : ErrorCode::kHttp,
               what + ": " + describe_failure(*response, {token}));
           error.http_status = response->status;
           error.attempts = response->attempts;
           return done(std::move(error));
         }
         done(parse_json_credentials(response->body, what, false));
       });
}

}  // namespace tdump::store::aws
