#pragma once
// The AWS credential chain (docs/store.md "Credentials" has the order as a table).
//
// Two steps, so that configuration errors surface when a store is opened and the network is
// only used once requests need credentials:
// 1. resolve_aws_credentials(): decides from the options, the environment and the shared config
//    files (no network) which source gives the credentials, in object_store's order: static keys
//    (options, then environment) -> web identity -> the profile -> container credentials ->
//    instance metadata (IMDSv2). The plan records why each earlier source did not apply, so a
//    final failure can say what was tried.
// 2. aws_credential_provider(plan, engine): the CredentialProvider that signing asks on every
//    request. Static keys are a StaticCredentialProvider; every temporary credential (STS, IMDS,
//    container, SSO, credential_process with an Expiration) is a RefreshingCredentialProvider
//    fed by the source's Expiration. Fetchers only submit() to engines (never execute()), and a
//    credential_process runs on a worker thread, so a provider may be asked from a loop thread.
//
// No secret (keys, session tokens, web identity JWTs, SSO access tokens, container
// authorization tokens, credential_process arguments) goes into a plan's `source`, an error, a
// log line or describe().
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "store/common/credential_provider.hpp"
#include "store/common/options.hpp"
#include "store/object_store.hpp"
#include "store/s3/aws_profile.hpp"

namespace tdump::http {
class Engine;
}

namespace tdump::store {

enum class AwsSourceKind {
  kAnonymous,         // skip_signature / AWS_NO_SIGN_REQUEST: unsigned requests
  kStatic,            // access keys (options, environment, a profile)
  kWebIdentity,       // STS AssumeRoleWithWebIdentity with a token file (EKS IRSA, CI OIDC)
  kAssumeRole,        // STS AssumeRole signed with `source_plan`'s credentials (profile role_arn)
  kContainer,         // ECS task role / EKS Pod Identity HTTP endpoint
  kInstanceMetadata,  // EC2 IMDSv2
  kProcess,           // credential_process
  kSso,               // IAM Identity Center: the cached token, then GetRoleCredentials
};

struct AwsCredentialPlan {
  AwsSourceKind kind = AwsSourceKind::kAnonymous;
  // For messages ("credentials from <source>"): "options", "environment", "profile 'dev'",
  // "web identity (role arn:aws:iam::1:role/r, token file /var/run/token)"... No secrets.
  std::string source;
  // The sources of the chain that came before this one, each with why it did not apply, in
  // order ("options access_key_id / secret_access_key: not given"). Top-level plans only.
  std::vector<std::string> skipped;

  // kStatic
  AwsCredential static_credential;

  // kWebIdentity, kAssumeRole: the STS call.
  std::string sts_endpoint;  // "https://sts.us-east-1.amazonaws.com"
  std::string sts_region;    // SigV4 scope of AssumeRole
  std::string role_arn;
  std::string role_session_name;
  std::string web_identity_token_file;                   // kWebIdentity: read at every fetch (rotated)
  std::string external_id;                               // kAssumeRole (may be empty)
  std::optional<int> duration_seconds;                   // kAssumeRole / kWebIdentity: DurationSeconds
  std::shared_ptr<const AwsCredentialPlan> source_plan;  // kAssumeRole: who signs AssumeRole

  // kContainer: the full URL, and the Authorization value (a token, or a file read at every fetch).
  std::string container_url;
  std::string container_token;       // secret
  std::string container_token_file;  // takes precedence over container_token

  // kInstanceMetadata
  std::string metadata_endpoint;  // "http://169.254.169.254"
  bool imdsv1_fallback = false;

  // kProcess: argv (split as the SDKs document; no shell), and bounds.
  std::vector<std::string> process_command;
  std::chrono::milliseconds process_timeout{60'000};
  std::size_t process_output_limit = std::size_t{64} * 1024;

  // kSso
  std::string sso_token_file;  // ~/.aws/sso/cache/<sha1>.json
  std::string sso_portal;      // "https://portal.sso.us-east-1.amazonaws.com" (AWS_ENDPOINT_URL_SSO)
  std::string sso_account_id;
  std::string sso_role_name;
  std::string sso_login_hint;  // "aws sso login --profile dev"

  // Set on the profile's plans: the profile to name in messages.
  std::string profile_name;
};

// Decides the source (step 1 above). `options` are resolved with s3_option_keys() and
// client_option_keys() (allow_http is read). `profile` is the profile named by the `profile` option or
// AWS_PROFILE (profile.named), else "default", loaded with its files; `region` is the store's
// region (the regional STS endpoint). Errors are configuration errors (kInvalidArgument: half a
// key pair, a profile loop, a FULL_URI host the SDKs refuse over http...) or kPermissionDenied
// when no source applies and instance metadata is disabled; both list what was looked at.
Result<AwsCredentialPlan> resolve_aws_credentials(const ResolvedOptions& options, const StoreOptions& store_options,
                                                  const AwsProfile& profile, const std::string& region);

// The provider for a plan (step 2); nullptr for kAnonymous. `engine` sends the STS, SSO and
// https container requests; plain-http metadata endpoints (IMDS, ECS, EKS) go through a small
// engine of their own with short timeouts (see docs/store.md).
Result<CredentialProviderPtr<AwsCredential>> aws_credential_provider(const AwsCredentialPlan& plan,
                                                                     const std::shared_ptr<http::Engine>& engine);

// Both steps: what the S3 store calls when it opens. nullptr for anonymous access.
Result<CredentialProviderPtr<AwsCredential>> aws_credential_provider(const ResolvedOptions& options,
                                                                     const StoreOptions& store_options,
                                                                     const AwsProfile& profile,
                                                                     const std::string& region,
                                                                     const std::shared_ptr<http::Engine>& engine);

// Where the plan's credentials come from, for messages (no secrets).
std::string describe(const AwsCredentialPlan& plan);

// The credential_process command line split into argv the way the SDKs document it (words
// separated by blanks; "double" or 'single' quotes group a word with spaces; a backslash escapes
// the next character outside single quotes). No shell: no $VARIABLES, ~, globs, pipes or
// redirections. Errors (empty, unbalanced quotes) never echo the command (it may hold secrets).
Result<std::vector<std::string>> split_command_line(std::string_view command);

}  // namespace tdump::store
