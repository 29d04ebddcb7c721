#pragma once
// Internal to src/store/s3: the fetchers of the temporary AWS credential sources and what they
// share. aws_credentials.cpp puts each behind a RefreshingCredentialProvider.
//
// Every fetcher starts its requests with Engine::submit() and calls `done` exactly once, from an
// engine loop thread (or the credential_process worker thread); none blocks the calling thread.
// Credential endpoints are never followed through a redirect: a 3xx answer (or an answer that
// arrived from another URL) is an error, so a token never goes to a host it was not meant for.
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/common/credential_provider.hpp"
#include "store/common/metadata_engine.hpp"
#include "store/s3/aws_credentials.hpp"

namespace tdump::store::aws {

using FetchDone = std::function<void(Result<Expiring<AwsCredential>>)>;

// Largest body a credential endpoint may send (a credentials JSON or STS XML is ~1-2 KiB).
inline constexpr std::size_t kMaxCredentialBody = std::size_t{64} * 1024;
// Largest token file (a web identity JWT, an EKS Pod Identity token, an SSO cache file).
inline constexpr std::size_t kMaxTokenFile = std::size_t{64} * 1024;

// `main` for https URLs, metadata_engine() for http ones.
std::shared_ptr<http::Engine> engine_for(std::string_view url, const std::shared_ptr<http::Engine>& main);

using ResponseDone = std::function<void(Result<http::Response>)>;
// Submits `request` (display_url set to its credential-free URL) and calls back with the
// response; a transport failure or a redirect becomes an error that starts with `what`.
void send(const std::shared_ptr<http::Engine>& engine, http::Request request, const std::string& what,
          ResponseDone done);

// A credentials JSON document: IMDS, ECS / EKS Pod Identity and credential_process answers
// (AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration in RFC 3339). IMDS's "Code"
// must be "Success" when present; a credential_process's "Version" must be 1 when `process`.
Result<Expiring<AwsCredential>> parse_json_credentials(std::string_view body, std::string_view what,
                                                       bool expiration_required, bool process = false);

// A short printable excerpt (at most 200 characters) of a server's error body for a message:
// each of `secrets` and every run of 32 or more token-like characters (base64, hex, JWT) is
// replaced by "(redacted)", control characters by spaces.
std::string safe_excerpt(std::string_view body, std::initializer_list<std::string_view> secrets = {});

// "HTTP 403" plus the server's error code and excerpt when it sent one.
std::string describe_failure(const http::Response& response, std::initializer_list<std::string_view> secrets = {});

// The sources.
void fetch_instance_metadata(const AwsCredentialPlan& plan, FetchDone done);
void fetch_container(const AwsCredentialPlan& plan, const std::shared_ptr<http::Engine>& engine, FetchDone done);
void fetch_web_identity(const AwsCredentialPlan& plan, const std::shared_ptr<http::Engine>& engine, FetchDone done);
// AssumeRole signed with the credential `source` gives (it is invalidated when STS says it
// expired, so the next fetch asks for a fresh one).
void fetch_assume_role(const AwsCredentialPlan& plan, const CredentialProviderPtr<AwsCredential>& source,
                       const std::shared_ptr<http::Engine>& engine, FetchDone done);
void fetch_sso(const AwsCredentialPlan& plan, const std::shared_ptr<http::Engine>& engine, FetchDone done);
// Runs the command on the credential_process worker thread.
void fetch_process(const AwsCredentialPlan& plan, FetchDone done);

// STS's AssumeRole* XML answer -> credential; `result` is "AssumeRoleWithWebIdentityResult" or
// "AssumeRoleResult". An ErrorResponse becomes an Error with its Code in remote_code.
Result<Expiring<AwsCredential>> parse_sts_response(const http::Response& response, std::string_view result,
                                                   std::string_view what,
                                                   std::initializer_list<std::string_view> secrets);

// IAM Identity Center GetRoleCredentials' JSON answer ({"roleCredentials": {accessKeyId,
// secretAccessKey, sessionToken, expiration (ms since the epoch)}}) -> credential.
Result<Expiring<AwsCredential>> parse_sso_role_credentials(std::string_view body, std::string_view what);

// Lower-case hex SHA-1 (the SSO token cache's file names).
std::string sha1_hex(std::string_view data);

}  // namespace tdump::store::aws
