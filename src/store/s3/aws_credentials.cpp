// The AWS credential chain: which source applies (resolve_aws_credentials), and the provider
// that fetches and refreshes its credentials (aws_credential_provider). docs/store.md
// "Credentials" is the reference for the order and every rule here.
#include "store/s3/aws_credentials.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <ctime>

#include "store/client_options.hpp"
#include "store/common/url.hpp"
#include "store/s3/aws_credential_sources.hpp"

namespace tdump::store {
namespace {

constexpr std::string_view kImdsEndpoint = "http://169.254.169.254";
constexpr std::string_view kImdsEndpointIpv6 = "http://[fd00:ec2::254]";
constexpr std::string_view kEcsEndpoint = "http://169.254.170.2";
constexpr std::string_view kPublicBucketHint =
    "For a public bucket set skip_signature=true (or AWS_NO_SIGN_REQUEST=true).";

struct Context {
  const ResolvedOptions& options;
  const StoreOptions& store;
  std::string region;
  std::string home;
  std::shared_ptr<const AwsConfigFiles> files;
};

std::string env(const StoreOptions& options, std::string_view name) {
  if (!options.env) return {};
  return options.env(name).value_or("");
}

bool is_true(std::string_view text) {
  auto value = parse_bool(text);
  return value && *value;
}

// The value of a canonical option key (from the options, or the environment through its
// upper-cased aws_ alias), or "" with `name` unset.
std::string option_text(const Context& ctx, std::string_view name) {
  return ctx.options.text(name).value_or("");
}

std::string option_origin(const Context& ctx, std::string_view name, std::string_view fallback) {
  const OptionValue* value = ctx.options.find(name);
  return value != nullptr ? value->source : std::string(fallback);
}

Status check_endpoint_url(const Context& ctx, const std::string& url, std::string_view what, bool needs_allow_http) {
  auto parsed = parse_url(url);
  if (!parsed) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " '" + url + "' is not a URL");
  }
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(what) + " '" + url + "' must start with http:// or https://");
  }
  if (!parsed->userinfo.empty()) {
    return make_error(ErrorCode::kInvalidArgument, std::string(what) + " must not carry credentials in the URL");
  }
  if (needs_allow_http) return check_allow_http(ctx.options, url, what);
  return {};
}

// STS: the endpoint_url_sts option (AWS_ENDPOINT_URL_STS), else the regional endpoint.
Result<std::string> sts_endpoint(const Context& ctx) {
  std::string endpoint = option_text(ctx, "endpoint_url_sts");
  if (endpoint.empty()) {
    endpoint = "https://sts." + ctx.region + ".amazonaws.com";
    if (ctx.region.rfind("cn-", 0) == 0) endpoint += ".cn";
  }
  auto status = check_endpoint_url(ctx, endpoint, "STS endpoint", true);
  if (!status) return std::move(status).error();
  return endpoint;
}

std::string sso_home_cache(const Context& ctx, const std::string& key) {
  return ctx.home + "/.aws/sso/cache/" + aws::sha1_hex(key) + ".json";
}

// --- static keys -----------------------------------------------------------------------------

Result<std::optional<AwsCredentialPlan>> options_keys(const Context& ctx) {
  auto key = ctx.options.text("access_key_id");
  auto secret = ctx.options.text("secret_access_key");
  auto token = ctx.options.text("session_token");
  if (!key && !secret) {
    if (token) {
      return make_error(ErrorCode::kInvalidArgument,
                        "option session_token was given without access_key_id and secret_access_key");
    }
    return std::optional<AwsCredentialPlan>{};
  }
  if (!key || !secret) {
    return make_error(ErrorCode::kInvalidArgument, std::string("option ") +
                                                       (key ? "secret_access_key" : "access_key_id") +
                                                       " is missing: access_key_id and secret_access_key go together");
  }
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kStatic;
  plan.source = "options";
  plan.static_credential = AwsCredential{*key, *secret, token.value_or("")};
  return std::optional<AwsCredentialPlan>(std::move(plan));
}

Result<std::optional<AwsCredentialPlan>> environment_keys(const Context& ctx) {
  std::string key = env(ctx.store, "AWS_ACCESS_KEY_ID");
  std::string secret = env(ctx.store, "AWS_SECRET_ACCESS_KEY");
  if (key.empty() && secret.empty()) return std::optional<AwsCredentialPlan>{};
  if (key.empty() || secret.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string("environment variable ") +
                          (key.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                          " is missing: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together");
  }
  std::string token = env(ctx.store, "AWS_SESSION_TOKEN");
  if (token.empty()) token = env(ctx.store, "AWS_SECURITY_TOKEN");
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kStatic;
  plan.source = "environment";
  plan.static_credential = AwsCredential{key, secret, token};
  return std::optional<AwsCredentialPlan>(std::move(plan));
}

// --- web identity ----------------------------------------------------------------------------

Result<AwsCredentialPlan> web_identity_plan(const Context& ctx, std::string token_file, std::string role_arn,
                                            std::string session_name, std::string profile_name) {
  auto endpoint = sts_endpoint(ctx);
  if (!endpoint) return std::move(endpoint).error();
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kWebIdentity;
  plan.web_identity_token_file = std::move(token_file);
  plan.role_arn = std::move(role_arn);
  plan.role_session_name = session_name.empty() ? "WebIdentitySession" : std::move(session_name);
  plan.sts_endpoint = std::move(*endpoint);
  plan.sts_region = ctx.region;
  plan.profile_name = std::move(profile_name);
  std::string what = "web identity (role " + plan.role_arn + ", token file " + plan.web_identity_token_file + ")";
  plan.source = plan.profile_name.empty() ? what : "profile '" + plan.profile_name + "' (" + what + ")";
  return plan;
}

// --- container credentials -------------------------------------------------------------------

bool allowed_container_address(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);  // NOLINT: sockaddr family cast
    const std::uint32_t ip = ntohl(in->sin_addr.s_addr);
    const std::uint32_t ecs = (169U << 24) | (254U << 16) | (170U << 8) | 2U;
    const std::uint32_t eks = (169U << 24) | (254U << 16) | (170U << 8) | 23U;
    return (ip >> 24) == 127U || ip == ecs || ip == eks;
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);  // NOLINT: sockaddr family cast
    std::array<unsigned char, 16> eks{};
    inet_pton(AF_INET6, "fd00:ec2::23", eks.data());
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || std::memcmp(in6->sin6_addr.s6_addr, eks.data(), 16) == 0;
  }
  return false;
}

// The SDKs' rule for AWS_CONTAINER_CREDENTIALS_FULL_URI: https to any host; plain http only to
// loopback, the ECS address 169.254.170.2 or the EKS Pod Identity addresses 169.254.170.23 /
// fd00:ec2::23 (a host name must resolve to such addresses only).
Status check_full_uri_host(const std::string& url, const ParsedUrl& parsed) {
  if (parsed.scheme == "https") return {};
  if (parsed.scheme != "http") {
    return make_error(ErrorCode::kInvalidArgument,
                      "container credentials URL '" + url + "' must start with http:// or https://");
  }
  std::string host = parsed.host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      "container credentials URL '" + url + "': the host '" + host + "' does not resolve");
  }
  bool all_allowed = true;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (!allowed_container_address(a->ai_addr)) all_allowed = false;
  }
  freeaddrinfo(found);
  if (!all_allowed) {
    return make_error(ErrorCode::kInvalidArgument,
                      "container credentials URL '" + url +
                          "' uses plain http to a host that is not loopback, 169.254.170.2, 169.254.170.23 or "
                          "fd00:ec2::23 (the AWS SDKs refuse it too); use https");
  }
  return {};
}

Result<std::optional<AwsCredentialPlan>> container_plan(const Context& ctx) {
  const std::string relative = option_text(ctx, "container_credentials_relative_uri");
  const std::string full = option_text(ctx, "container_credentials_full_uri");
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kContainer;
  if (!relative.empty()) {
    if (relative.front() != '/') {
      return make_error(ErrorCode::kInvalidArgument,
                        option_origin(ctx, "container_credentials_relative_uri", "relative URI") +
                            " must be a path starting with '/'");
    }
    plan.container_url = std::string(kEcsEndpoint) + relative;
  } else if (!full.empty()) {
    auto parsed = parse_url(full);
    if (!parsed) {
      return make_error(ErrorCode::kInvalidArgument,
                        option_origin(ctx, "container_credentials_full_uri", "full URI") + " is not a URL");
    }
    if (!parsed->userinfo.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "the container credentials URL must not carry credentials");
    }
    auto allowed = check_full_uri_host(full, *parsed);
    if (!allowed) return std::move(allowed).error();
    plan.container_url = full;
  } else {
    return std::optional<AwsCredentialPlan>{};
  }
  plan.container_token_file = option_text(ctx, "container_authorization_token_file");
  if (plan.container_token_file.empty()) plan.container_token = env(ctx.store, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (plan.container_token.find_first_of("\r\n") != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break");
  }
  auto parsed = parse_url(plan.container_url);
  std::string shown = parsed ? origin(*parsed) + parsed->path : plan.container_url;
  plan.source = "container credentials (" + shown + ")";
  return std::optional<AwsCredentialPlan>(std::move(plan));
}

// --- instance metadata -----------------------------------------------------------------------

bool metadata_disabled(const Context& ctx) {
  return is_true(env(ctx.store, "AWS_EC2_METADATA_DISABLED"));
}

Result<AwsCredentialPlan> imds_plan(const Context& ctx, const AwsProfile* profile) {
  std::string endpoint = option_text(ctx, "metadata_endpoint");
  if (endpoint.empty()) endpoint = env(ctx.store, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty() && profile != nullptr) endpoint = profile->get("ec2_metadata_service_endpoint").value_or("");
  if (endpoint.empty()) {
    std::string mode = env(ctx.store, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (mode.empty() && profile != nullptr) mode = profile->get("ec2_metadata_service_endpoint_mode").value_or("");
    endpoint = ascii_lower(mode) == "ipv6" ? kImdsEndpointIpv6 : kImdsEndpoint;
  }
  auto status = check_endpoint_url(ctx, endpoint, "instance metadata endpoint", false);
  if (!status) return std::move(status).error();
  auto fallback = ctx.options.boolean("imdsv1_fallback", false);
  if (!fallback) return std::move(fallback).error();
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kInstanceMetadata;
  plan.metadata_endpoint = endpoint;
  plan.imdsv1_fallback = *fallback;
  plan.source = "instance metadata (IMDSv2 at " + endpoint + (*fallback ? ", IMDSv1 fallback" : "") + ")";
  return plan;
}

// --- profiles --------------------------------------------------------------------------------

std::string profile_files(const Context& ctx) {
  if (!ctx.files) return "the shared credentials and config files";
  return ctx.files->credentials_path + " or " + ctx.files->config_path;
}

std::optional<AwsCredential> profile_keys(const AwsProfile& profile) {
  auto key = profile.get("aws_access_key_id");
  auto secret = profile.get("aws_secret_access_key");
  if (!key || !secret) return std::nullopt;
  return AwsCredential{*key, *secret, profile.get("aws_session_token").value_or("")};
}

Result<AwsCredentialPlan> static_profile_plan(const AwsProfile& profile) {
  auto keys = profile_keys(profile);
  if (!keys) {
    return make_error(ErrorCode::kInvalidArgument,
                      "AWS profile '" + profile.name + "' has " +
                          (profile.get("aws_access_key_id") ? "aws_access_key_id without aws_secret_access_key"
                                                            : "aws_secret_access_key without aws_access_key_id"));
  }
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kStatic;
  plan.static_credential = std::move(*keys);
  plan.profile_name = profile.name;
  plan.source = "profile '" + profile.name + "'";
  return plan;
}

Result<AwsCredentialPlan> sso_plan(const Context& ctx, const AwsProfile& profile) {
  const std::string who = "AWS profile '" + profile.name + "'";
  std::string session = profile.get("sso_session").value_or("");
  std::string start_url = profile.get("sso_start_url").value_or("");
  std::string sso_region = profile.get("sso_region").value_or("");
  std::string cache_key;
  std::string label;
  if (!session.empty()) {
    const IniSection* section = ctx.files ? ctx.files->sso_session(session) : nullptr;
    if (section == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, who + " names sso_session '" + session +
                                                         "', but the config file has no [sso-session " + session +
                                                         "] section");
    }
    auto get = [&](const char* key) {
      auto it = section->find(key);
      return it == section->end() ? std::string{} : it->second;
    };
    const std::string session_url = get("sso_start_url");
    const std::string session_region = get("sso_region");
    if (session_url.empty() || session_region.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "[sso-session " + session + "] needs sso_start_url and sso_region");
    }
    if ((!start_url.empty() && start_url != session_url) || (!sso_region.empty() && sso_region != session_region)) {
      return make_error(ErrorCode::kInvalidArgument,
                        who + " sets sso_start_url / sso_region that differ from its [sso-session " + session + "]");
    }
    start_url = session_url;
    sso_region = session_region;
    cache_key = session;
    label = "session '" + session + "'";
  } else {
    if (start_url.empty() || sso_region.empty()) {
      return make_error(ErrorCode::kInvalidArgument, who + " needs sso_start_url and sso_region (or sso_session)");
    }
    cache_key = start_url;
    label = "start URL " + start_url;
  }
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kSso;
  plan.sso_account_id = profile.get("sso_account_id").value_or("");
  plan.sso_role_name = profile.get("sso_role_name").value_or("");
  if (plan.sso_account_id.empty() || plan.sso_role_name.empty()) {
    return make_error(ErrorCode::kInvalidArgument, who + " needs sso_account_id and sso_role_name");
  }
  plan.sso_token_file = sso_home_cache(ctx, cache_key);
  plan.sso_portal = env(ctx.store, "AWS_ENDPOINT_URL_SSO");
  if (plan.sso_portal.empty()) {
    plan.sso_portal = "https://portal.sso." + sso_region + ".amazonaws.com";
    if (sso_region.rfind("cn-", 0) == 0) plan.sso_portal += ".cn";
  }
  auto status = check_endpoint_url(ctx, plan.sso_portal, "SSO portal endpoint", true);
  if (!status) return std::move(status).error();
  plan.sso_login_hint = "aws sso login --profile " + profile.name;
  plan.profile_name = profile.name;
  plan.source = "profile '" + profile.name + "' (SSO " + label + ", account " + plan.sso_account_id + ", role " +
                plan.sso_role_name + ")";
  return plan;
}

Result<AwsCredentialPlan> process_plan(const AwsProfile& profile, const std::string& command) {
  auto argv = split_command_line(command);
  if (!argv) {
    Error error = std::move(argv).error();
    error.message = "AWS profile '" + profile.name + "': " + error.message;
    return error;
  }
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kProcess;
  plan.process_command = std::move(*argv);
  plan.profile_name = profile.name;
  plan.source = "profile '" + profile.name + "' (credential_process '" + plan.process_command.front() + "')";
  return plan;
}

Result<std::optional<AwsCredentialPlan>> profile_plan(const Context& ctx, const AwsProfile& profile,
                                                      std::vector<std::string> chain);

// role_arn: STS AssumeRole signed with the credentials of source_profile or credential_source.
Result<AwsCredentialPlan> assume_role_plan(const Context& ctx, const AwsProfile& profile,
                                           std::vector<std::string> chain) {
  const std::string who = "AWS profile '" + profile.name + "'";
  const std::string role_arn = *profile.get("role_arn");
  if (auto token_file = profile.get("web_identity_token_file")) {
    return web_identity_plan(ctx, *token_file, role_arn, profile.get("role_session_name").value_or(""), profile.name);
  }
  if (profile.get("mfa_serial")) {
    return make_error(ErrorCode::kUnsupported,
                      who +
                          " sets mfa_serial: an MFA code cannot be typed into a batch job; use a profile "
                          "without MFA, or credentials from `aws configure export-credentials`");
  }
  auto source_profile = profile.get("source_profile");
  auto credential_source = profile.get("credential_source");
  if (source_profile && credential_source) {
    return make_error(ErrorCode::kInvalidArgument, who + " sets both source_profile and credential_source");
  }
  std::shared_ptr<const AwsCredentialPlan> source;
  if (source_profile) {
    chain.push_back(profile.name);
    if (*source_profile == profile.name) {
      // A profile may be its own source: its keys sign the AssumeRole of its role_arn.
      auto keys = static_profile_plan(profile);
      if (!keys) return std::move(keys).error();
      source = std::make_shared<AwsCredentialPlan>(std::move(*keys));
    } else {
      if (std::find(chain.begin(), chain.end(), *source_profile) != chain.end()) {
        std::string loop;
        for (const auto& name : chain) loop += name + " -> ";
        return make_error(ErrorCode::kInvalidArgument,
                          "AWS profiles form a source_profile loop: " + loop + *source_profile);
      }
      if (chain.size() > 16) {
        return make_error(ErrorCode::kInvalidArgument, who + ": source_profile chain longer than 16 profiles");
      }
      AwsProfile next = ctx.files ? ctx.files->profile(*source_profile) : AwsProfile{};
      next.name = *source_profile;
      next.files = ctx.files;
      if (!next.found) {
        return make_error(ErrorCode::kInvalidArgument, who + " names source_profile '" + *source_profile +
                                                           "', which is not in " + profile_files(ctx));
      }
      auto inner = profile_plan(ctx, next, chain);
      if (!inner) return std::move(inner).error();
      if (!*inner) {
        return make_error(ErrorCode::kInvalidArgument,
                          who + " names source_profile '" + *source_profile + "', which has no credentials");
      }
      source = std::make_shared<AwsCredentialPlan>(std::move(**inner));
    }
  } else if (credential_source) {
    if (*credential_source == "Environment") {
      auto keys = environment_keys(ctx);
      if (!keys) return std::move(keys).error();
      if (!*keys) {
        return make_error(ErrorCode::kInvalidArgument,
                          who +
                              " sets credential_source = Environment, but AWS_ACCESS_KEY_ID / "
                              "AWS_SECRET_ACCESS_KEY are not set");
      }
      source = std::make_shared<AwsCredentialPlan>(std::move(**keys));
    } else if (*credential_source == "Ec2InstanceMetadata") {
      if (metadata_disabled(ctx)) {
        return make_error(ErrorCode::kInvalidArgument,
                          who + " sets credential_source = Ec2InstanceMetadata, but AWS_EC2_METADATA_DISABLED is true");
      }
      auto imds = imds_plan(ctx, &profile);
      if (!imds) return std::move(imds).error();
      source = std::make_shared<AwsCredentialPlan>(std::move(*imds));
    } else if (*credential_source == "EcsContainer") {
      auto container = container_plan(ctx);
      if (!container) return std::move(container).error();
      if (!*container) {
        return make_error(ErrorCode::kInvalidArgument,
                          who +
                              " sets credential_source = EcsContainer, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / "
                              "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
      }
      source = std::make_shared<AwsCredentialPlan>(std::move(**container));
    } else {
      return make_error(ErrorCode::kInvalidArgument,
                        who + " sets credential_source = '" + *credential_source +
                            "'; expected Environment, Ec2InstanceMetadata or EcsContainer");
    }
  } else {
    return make_error(ErrorCode::kInvalidArgument, who + " sets role_arn without source_profile or credential_source");
  }
  auto endpoint = sts_endpoint(ctx);
  if (!endpoint) return std::move(endpoint).error();
  AwsCredentialPlan plan;
  plan.kind = AwsSourceKind::kAssumeRole;
  plan.role_arn = role_arn;
  plan.role_session_name = profile.get("role_session_name")
                               .value_or("tiff-dumper-" + std::to_string(static_cast<long long>(std::time(nullptr))));
  plan.external_id = profile.get("external_id").value_or("");
  if (const std::string duration = profile.get("duration_seconds").value_or(""); !duration.empty()) {
    int seconds = 0;
    const char* last = duration.data() + duration.size();
    auto [end, ec] = std::from_chars(duration.data(), last, seconds);
    if (ec != std::errc{} || end != last || seconds < 900 || seconds > 43'200) {
      return make_error(ErrorCode::kInvalidArgument,
                        who + ": duration_seconds '" + duration + "' must be a number of seconds from 900 to 43200");
    }
    plan.duration_seconds = seconds;
  }
  plan.sts_endpoint = std::move(*endpoint);
  plan.sts_region = ctx.region;
  plan.source_plan = std::move(source);
  plan.profile_name = profile.name;
  plan.source = "profile '" + profile.name + "' (role " + role_arn + ", assumed with " + plan.source_plan->source + ")";
  return plan;
}

// The credentials a profile gives, as the SDKs look in a profile: role_arn (assume role, or web
// identity with web_identity_token_file), then SSO, then static keys, then credential_process.
// nullopt when the profile has none of them.
Result<std::optional<AwsCredentialPlan>> profile_plan(const Context& ctx, const AwsProfile& profile,
                                                      std::vector<std::string> chain) {
  if (profile.get("role_arn")) {
    auto plan = assume_role_plan(ctx, profile, std::move(chain));
    if (!plan) return std::move(plan).error();
    return std::optional<AwsCredentialPlan>(std::move(*plan));
  }
  if (profile.get("sso_session") || profile.get("sso_start_url") || profile.get("sso_account_id")) {
    auto plan = sso_plan(ctx, profile);
    if (!plan) return std::move(plan).error();
    return std::optional<AwsCredentialPlan>(std::move(*plan));
  }
  if (profile.get("aws_access_key_id") || profile.get("aws_secret_access_key")) {
    auto plan = static_profile_plan(profile);
    if (!plan) return std::move(plan).error();
    return std::optional<AwsCredentialPlan>(std::move(*plan));
  }
  if (auto command = profile.get("credential_process")) {
    auto plan = process_plan(profile, *command);
    if (!plan) return std::move(plan).error();
    return std::optional<AwsCredentialPlan>(std::move(*plan));
  }
  return std::optional<AwsCredentialPlan>{};
}

std::string join_skipped(const std::vector<std::string>& skipped) {
  std::string out;
  for (std::size_t i = 0; i < skipped.size(); ++i) {
    out += (i == 0 ? "" : "; ") + std::to_string(i + 1) + ") " + skipped[i];
  }
  return out;
}

// --- providers -------------------------------------------------------------------------------

using Provider = CredentialProviderPtr<AwsCredential>;

// The error callers see when a fetch fails: where the credentials were to come from, and for
// the last resort (instance metadata with nothing else configured), every source tried.
Error fetch_error(const AwsCredentialPlan& plan, Error error) {
  if (plan.kind == AwsSourceKind::kInstanceMetadata && !plan.skipped.empty()) {
    error.message = "no AWS credentials found. Tried, in order: " + join_skipped(plan.skipped) + "; " +
                    std::to_string(plan.skipped.size() + 1) + ") " + plan.source + ": " + error.message + ". " +
                    std::string(kPublicBucketHint);
    error.code = ErrorCode::kPermissionDenied;
    return error;
  }
  error.message = "AWS credentials from " + plan.source + ": " + error.message;
  return error;
}

Result<Provider> build_provider(const std::shared_ptr<const AwsCredentialPlan>& plan,
                                const std::shared_ptr<http::Engine>& engine) {
  using Refreshing = RefreshingCredentialProvider<AwsCredential>;
  using Fetch = Refreshing::Fetch;
  using FetchDone = Refreshing::FetchDone;
  auto wrap = [plan](FetchDone done) {
    return [plan, done = std::move(done)](Result<Expiring<AwsCredential>> result) {
      if (!result) return done(fetch_error(*plan, std::move(result).error()));
      done(std::move(result));
    };
  };
  Fetch fetch;
  switch (plan->kind) {
    case AwsSourceKind::kAnonymous:
      return Provider{};
    case AwsSourceKind::kStatic:
      return Provider(std::make_shared<StaticCredentialProvider<AwsCredential>>(plan->static_credential, plan->source));
    case AwsSourceKind::kWebIdentity:
      fetch = [plan, engine, wrap](FetchDone done) { aws::fetch_web_identity(*plan, engine, wrap(std::move(done))); };
      break;
    case AwsSourceKind::kAssumeRole: {
      if (!plan->source_plan) return make_error(ErrorCode::kInternal, "AssumeRole plan without a source");
      auto source = build_provider(plan->source_plan, engine);
      if (!source) return std::move(source).error();
      if (!*source) return make_error(ErrorCode::kInternal, "AssumeRole plan with an anonymous source");
      fetch = [plan, engine, wrap, source = *source](FetchDone done) {
        aws::fetch_assume_role(*plan, source, engine, wrap(std::move(done)));
      };
      break;
    }
    case AwsSourceKind::kContainer:
      fetch = [plan, engine, wrap](FetchDone done) { aws::fetch_container(*plan, engine, wrap(std::move(done))); };
      break;
    case AwsSourceKind::kInstanceMetadata:
      fetch = [plan, wrap](FetchDone done) { aws::fetch_instance_metadata(*plan, wrap(std::move(done))); };
      break;
    case AwsSourceKind::kProcess:
      fetch = [plan, wrap](FetchDone done) { aws::fetch_process(*plan, wrap(std::move(done))); };
      break;
    case AwsSourceKind::kSso:
      fetch = [plan, engine, wrap](FetchDone done) { aws::fetch_sso(*plan, engine, wrap(std::move(done))); };
      break;
  }
  return Provider(std::make_shared<Refreshing>(std::move(fetch), plan->source));
}

}  // namespace

Result<AwsCredentialPlan> resolve_aws_credentials(const ResolvedOptions& options, const StoreOptions& store_options,
                                                  const AwsProfile& profile, const std::string& region) {
  Context ctx{options, store_options, region, store_options.home, profile.files};
  if (ctx.home.empty()) ctx.home = env(store_options, "HOME");

  // skip_signature (option / AWS_SKIP_SIGNATURE) or AWS_NO_SIGN_REQUEST: no credentials at all.
  auto skip = options.boolean("skip_signature", false);
  if (!skip) return std::move(skip).error();
  bool anonymous = *skip;
  if (!anonymous && options.find("skip_signature") == nullptr) {
    if (std::string no_sign = env(store_options, "AWS_NO_SIGN_REQUEST"); !no_sign.empty()) {
      auto value = parse_bool(no_sign);
      if (!value) {
        return bad_option_value(OptionValue{no_sign, "environment variable AWS_NO_SIGN_REQUEST"}, "skip_signature",
                                "true or false");
      }
      anonymous = *value;
    }
  }
  if (anonymous) {
    AwsCredentialPlan plan;
    plan.kind = AwsSourceKind::kAnonymous;
    plan.source = "anonymous";
    return plan;
  }

  std::vector<std::string> skipped;
  auto found = [&](AwsCredentialPlan plan) {
    plan.skipped = skipped;
    return plan;
  };

  // The profile step (4., or 2. when the profile option names it: an explicitly given profile
  // outranks credentials that are merely present in the environment, as in botocore).
  const std::string where = profile_files(ctx);
  auto try_profile = [&]() -> Result<std::optional<AwsCredentialPlan>> {
    if (profile.found) {
      auto plan = profile_plan(ctx, profile, {});
      if (!plan) return std::move(plan).error();
      if (*plan) return std::optional<AwsCredentialPlan>(found(std::move(**plan)));
      skipped.emplace_back("profile '" + profile.name +
                           "': no credentials in it (aws_access_key_id, role_arn, sso_session / sso_start_url or "
                           "credential_process)");
    } else if (profile.named) {
      return make_error(ErrorCode::kInvalidArgument, "AWS profile '" + profile.name + "' was not found in " + where);
    } else {
      skipped.emplace_back("profile '" + profile.name + "': not in " + where);
    }
    return std::optional<AwsCredentialPlan>{};
  };
  const bool profile_option = is_from_options(options.find("profile"));

  // 1. Static keys in the options.
  auto from_options = options_keys(ctx);
  if (!from_options) return std::move(from_options).error();
  if (*from_options) return found(std::move(**from_options));
  skipped.emplace_back("options access_key_id / secret_access_key: not given");
  if (profile_option) {
    auto plan = try_profile();
    if (!plan || *plan) return plan ? std::move(**plan) : Result<AwsCredentialPlan>(std::move(plan).error());
  }

  // 2. Static keys in the environment.
  auto from_env = environment_keys(ctx);
  if (!from_env) return std::move(from_env).error();
  if (*from_env) return found(std::move(**from_env));
  skipped.emplace_back("environment AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: not set");

  // 3. Web identity: a token file and a role (options or AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN).
  const std::string token_file = option_text(ctx, "web_identity_token_file");
  const std::string role_arn = option_text(ctx, "role_arn");
  if (!token_file.empty() && !role_arn.empty()) {
    auto plan = web_identity_plan(ctx, token_file, role_arn, option_text(ctx, "role_session_name"), "");
    if (!plan) return std::move(plan).error();
    return found(std::move(*plan));
  }
  if (!token_file.empty()) {
    skipped.emplace_back("web identity: " + option_origin(ctx, "web_identity_token_file", "a token file") +
                         " is set, but no role_arn / AWS_ROLE_ARN");
  } else if (!role_arn.empty()) {
    skipped.emplace_back("web identity: " + option_origin(ctx, "role_arn", "a role") +
                         " is set, but no web_identity_token_file / AWS_WEB_IDENTITY_TOKEN_FILE");
  } else {
    skipped.emplace_back("web identity: AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN not set");
  }

  // 4. The profile (AWS_PROFILE, else "default").
  if (!profile_option) {
    auto plan = try_profile();
    if (!plan || *plan) return plan ? std::move(**plan) : Result<AwsCredentialPlan>(std::move(plan).error());
  }

  // 5. Container credentials (ECS task role, EKS Pod Identity).
  auto container = container_plan(ctx);
  if (!container) return std::move(container).error();
  if (*container) return found(std::move(**container));
  skipped.emplace_back(
      "container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / "
      "AWS_CONTAINER_CREDENTIALS_FULL_URI not set");

  // 6. Instance metadata, unless disabled.
  if (metadata_disabled(ctx)) {
    skipped.emplace_back("instance metadata: AWS_EC2_METADATA_DISABLED is true");
    return make_error(ErrorCode::kPermissionDenied, "no AWS credentials found. Tried, in order: " +
                                                        join_skipped(skipped) + ". " + std::string(kPublicBucketHint));
  }
  auto imds = imds_plan(ctx, profile.found ? &profile : nullptr);
  if (!imds) return std::move(imds).error();
  return found(std::move(*imds));
}

Result<CredentialProviderPtr<AwsCredential>> aws_credential_provider(const AwsCredentialPlan& plan,
                                                                     const std::shared_ptr<http::Engine>& engine) {
  return build_provider(std::make_shared<const AwsCredentialPlan>(plan), engine);
}

Result<CredentialProviderPtr<AwsCredential>> aws_credential_provider(const ResolvedOptions& options,
                                                                     const StoreOptions& store_options,
                                                                     const AwsProfile& profile,
                                                                     const std::string& region,
                                                                     const std::shared_ptr<http::Engine>& engine) {
  auto plan = resolve_aws_credentials(options, store_options, profile, region);
  if (!plan) return std::move(plan).error();
  return aws_credential_provider(*plan, engine);
}

std::string describe(const AwsCredentialPlan& plan) {
  return plan.source;
}

}  // namespace tdump::store
