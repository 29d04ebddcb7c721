#include "store/s3/s3_options.hpp"

#include <array>
#include <initializer_list>

#include "store/client_options.hpp"
#include "store/common/crypto.hpp"
#include "store/common/url.hpp"
#include "store/s3/aws_credentials.hpp"
#include "store/s3/aws_profile.hpp"

namespace tdump::store {
namespace {

// obstore's AmazonS3ConfigKey (plus `profile`, our extension). Static keys are resolved as a
// set (options, then environment) by the credential chain, so they are not filled from env here.
constexpr std::array kS3Keys = {
    OptionKey{"access_key_id", {"aws_access_key_id"}, true, false, false},
    OptionKey{"secret_access_key", {"aws_secret_access_key"}, true, true, false},
    OptionKey{"session_token", {"aws_session_token", "aws_token", "token"}, true, true, false},
    OptionKey{"region", {"aws_region"}},
    OptionKey{"default_region", {"aws_default_region"}},
    OptionKey{"bucket", {"aws_bucket", "aws_bucket_name", "bucket_name"}, true, false, false},
    OptionKey{"endpoint", {"aws_endpoint_url", "aws_endpoint", "endpoint_url"}},
    // The S3-only endpoint (AWS_ENDPOINT_URL_S3), which wins over `endpoint`.
    OptionKey{"endpoint_url_s3", {"aws_endpoint_url_s3"}},
    OptionKey{"virtual_hosted_style_request", {"aws_virtual_hosted_style_request"}},
    OptionKey{"skip_signature", {"aws_skip_signature"}},
    OptionKey{"request_payer", {"aws_request_payer"}},
    OptionKey{"unsigned_payload", {"aws_unsigned_payload"}},  // PUTs only: GETs are always unsigned-payload
    OptionKey{"profile", {"aws_profile"}},
    // The credential chain's keys (src/store/s3/aws_credentials.hpp), also read from the
    // environment as AWS_IMDSV1_FALLBACK, AWS_METADATA_ENDPOINT, AWS_CONTAINER_*, AWS_ROLE_ARN...
    OptionKey{"imdsv1_fallback", {"aws_imdsv1_fallback"}},
    OptionKey{"metadata_endpoint", {"aws_metadata_endpoint"}},
    OptionKey{"container_credentials_relative_uri", {"aws_container_credentials_relative_uri"}},
    OptionKey{"container_credentials_full_uri", {"aws_container_credentials_full_uri"}},
    OptionKey{"container_authorization_token_file", {"aws_container_authorization_token_file"}},
    OptionKey{"web_identity_token_file", {"aws_web_identity_token_file"}},
    OptionKey{"role_arn", {"aws_role_arn"}},
    OptionKey{"role_session_name", {"aws_role_session_name"}},
    OptionKey{"endpoint_url_sts", {"aws_endpoint_url_sts"}},
    // Validated; a directory bucket (NAME--x-s3) or s3_express: true is refused when the store is
    // opened (see s3_config_from_url), never sent to the regional endpoint.
    OptionKey{"s3_express", {"aws_s3_express"}},
    // tiff-dumper never deletes in bulk: honoured by doing nothing (validated as a boolean).
    OptionKey{"disable_bulk_delete", {"aws_disable_bulk_delete"}},
    OptionKey{"checksum_algorithm", {"aws_checksum_algorithm"}, false, false, false},
    OptionKey{"copy_if_not_exists", {"aws_copy_if_not_exists"}, false, false, false},
    OptionKey{"conditional_put", {"aws_conditional_put"}, false, false, false},
    // tiff-dumper never tags objects: honoured by doing nothing.
    OptionKey{"disable_tagging", {"aws_disable_tagging"}},
    // Encryption of written objects: S3 decrypts SSE-S3 / SSE-KMS objects on read by itself, so
    // reading needs nothing; an OUT_DIR store with them is refused (its PUTs would not carry them).
    OptionKey{"server_side_encryption", {"aws_server_side_encryption"}},
    OptionKey{"sse_kms_key_id", {"aws_sse_kms_key_id"}},
    OptionKey{"sse_bucket_key_enabled", {"aws_sse_bucket_key_enabled"}},
    // SSE-C: every GET carries the customer key headers (S3Client::read).
    OptionKey{"sse_customer_key_base64", {"aws_sse_customer_key_base64"}, true, true},
};

// The first non-empty candidate, in order of precedence.
std::string first_set(std::initializer_list<std::string> candidates) {
  for (const auto& candidate : candidates) {
    if (!candidate.empty()) return candidate;
  }
  return {};
}

std::string env_or_empty(const StoreOptions& options, std::string_view name) {
  if (!options.env) return {};
  return options.env(name).value_or("");
}

std::string home_dir(const StoreOptions& options) {
  if (!options.home.empty()) return options.home;
  return env_or_empty(options, "HOME");
}

// What the URL itself says.
struct S3UrlParts {
  std::string bucket;
  std::string path;  // raw remainder
  std::string region;
  std::string endpoint;  // R2 only
  bool virtual_hosted = false;
};

Result<S3UrlParts> split_s3_url(std::string_view url) {
  auto parsed = parse_url(url);
  if (!parsed) return std::move(parsed).error();
  S3UrlParts parts;
  const auto& host = parsed->host;
  auto first_segment = [&](ParsedUrl& u) {
    std::string_view path = u.path;
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    auto slash = path.find('/');
    parts.bucket = percent_decode(path.substr(0, slash));
    parts.path = slash == std::string_view::npos ? std::string{} : std::string(path.substr(slash + 1));
  };
  if (parsed->scheme == "s3" || parsed->scheme == "s3a") {
    parts.bucket = host;
    parts.path = parsed->path;
  } else if (host.ends_with(".r2.cloudflarestorage.com")) {
    parts.endpoint = "https://" + host;
    parts.region = "auto";
    first_segment(*parsed);
  } else if (host.ends_with(".amazonaws.com")) {
    std::string_view h = host;
    h.remove_suffix(std::string_view(".amazonaws.com").size());
    if (h == "s3" || h.substr(0, 3) == "s3." || h.substr(0, 3) == "s3-") {  // path style
      first_segment(*parsed);
      if (h.size() > 3) parts.region = std::string(h.substr(3));
    } else if (auto at = h.find(".s3"); at != std::string_view::npos) {  // bucket.s3[.region]
      parts.bucket = std::string(h.substr(0, at));
      std::string_view rest = h.substr(at + 3);
      if (!rest.empty() && (rest.front() == '.' || rest.front() == '-')) parts.region = std::string(rest.substr(1));
      parts.virtual_hosted = true;
      parts.path = parsed->path;
    } else {
      return make_error(ErrorCode::kInvalidArgument, "'" + std::string(url) + "' is not an S3 URL I understand");
    }
    if (parts.region.rfind("dualstack.", 0) == 0) parts.region = parts.region.substr(10);
  } else {
    return make_error(ErrorCode::kInvalidArgument, "'" + std::string(url) + "' is not an S3 URL");
  }
  if (parts.bucket.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "S3 URL '" + std::string(url) + "' has no bucket (expected s3://BUCKET[/prefix])");
  }
  return parts;
}

// S3 Express One Zone directory buckets (NAME--ZONE--x-s3) live at a zonal endpoint and need
// CreateSession tokens, which tiff-dumper does not implement: refuse them by name instead of
// sending requests to the regional endpoint. A bucket so named on a custom endpoint (an
// S3-compatible server) is only a name, unless s3_express says otherwise.
Status check_s3_express(const ResolvedOptions& resolved, const std::string& bucket, bool aws_endpoint) {
  auto express = resolved.boolean("s3_express", false);
  if (!express) return std::move(express).error();
  const bool directory_name = bucket.ends_with("--x-s3");
  if (!*express && !(directory_name && aws_endpoint)) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    "bucket '" + bucket + "'" +
                        (*express ? std::string(" with the option s3_express") : std::string(" is an")) +
                        (*express ? ": S3 Express One Zone" : " S3 Express One Zone directory bucket") +
                        " is not supported by tiff-dumper (it needs session authentication at the bucket's zonal "
                        "endpoint); no request was sent. Copy the objects to a general-purpose bucket, or list "
                        "them through an S3-compatible endpoint given with the option endpoint");
}

}  // namespace

std::span<const OptionKey> s3_option_keys() {
  return kS3Keys;
}

bool is_s3_https_url(std::string_view host) {
  return host.ends_with(".amazonaws.com") || host.ends_with(".r2.cloudflarestorage.com");
}

Result<S3Config> s3_config_from_url(std::string_view url, const StoreOptions& options) {
  auto parts = split_s3_url(url);
  if (!parts) return std::move(parts).error();
  std::array<std::span<const OptionKey>, 2> sets{s3_option_keys(), client_option_keys()};
  auto resolved = resolve_options(options, sets, "aws_", "S3");
  if (!resolved) return std::move(resolved).error();
  resolved->warn_ignored("S3");

  S3Config config;
  config.bucket = parts->bucket;
  config.root_prefix = root_prefix_from_path(percent_decode(parts->path));
  if (auto bucket = resolved->text("bucket"); bucket && *bucket != config.bucket) {
    return make_error(ErrorCode::kInvalidArgument,
                      "option bucket '" + *bucket + "' differs from the URL's bucket '" + config.bucket + "'");
  }

  // Profile files: only read when needed (region or credentials not given otherwise).
  const OptionValue* profile_option = resolved->find("profile");
  bool profile_explicit = profile_option != nullptr;
  std::string profile_name = profile_explicit ? profile_option->value : "default";
  std::string home = home_dir(options);
  std::string credentials_file = env_or_empty(options, "AWS_SHARED_CREDENTIALS_FILE");
  std::string config_file = env_or_empty(options, "AWS_CONFIG_FILE");
  if (credentials_file.empty()) credentials_file = home + "/.aws/credentials";
  if (config_file.empty()) config_file = home + "/.aws/config";
  AwsProfile profile = load_aws_profile(profile_name, credentials_file, config_file);
  profile.named = profile_explicit;

  // Region: options (region, default_region), the URL's host, AWS_REGION, AWS_DEFAULT_REGION,
  // the profile, then us-east-1.
  const OptionValue* region = resolved->find("region");
  const OptionValue* default_region = resolved->find("default_region");
  config.region = first_set(
      {is_from_options(region) ? region->value : "", is_from_options(default_region) ? default_region->value : "",
       parts->region, region != nullptr ? region->value : "", default_region != nullptr ? default_region->value : "",
       profile.get("region").value_or(""), "us-east-1"});

  auto virtual_hosted = resolved->boolean("virtual_hosted_style_request", parts->virtual_hosted);
  if (!virtual_hosted) return std::move(virtual_hosted).error();
  config.virtual_hosted = *virtual_hosted;
  // obstore reads a boolean; "requester" (the header's own value, x-amz-request-payer) is taken too.
  if (const auto* payer = resolved->find("request_payer")) {
    auto flag = ascii_lower(payer->value) == "requester" ? std::optional<bool>(true) : parse_bool(payer->value);
    if (!flag) return bad_option_value(*payer, "request_payer", "true, false or requester");
    config.request_payer = *flag;
  }
  auto unsigned_payload = resolved->boolean("unsigned_payload", false);
  if (!unsigned_payload) return std::move(unsigned_payload).error();
  config.unsigned_payload = *unsigned_payload;
  for (const char* flag : {"disable_tagging", "disable_bulk_delete", "sse_bucket_key_enabled"}) {
    auto value = resolved->boolean(flag);  // validated; nothing to do when reading
    if (!value) return std::move(value).error();
  }
  if (const auto* key = resolved->find("sse_customer_key_base64")) {
    auto bytes = base64_decode(key->value);
    if (!bytes || bytes->size() != 32) {
      return bad_option_value(*key, "sse_customer_key_base64", "the base64 text of a 32-byte AES-256 key");
    }
    config.sse_customer_key_base64 = key->value;
    config.sse_customer_key_md5_base64 = base64_encode(md5_bytes(*bytes));
  }
  if (options.for_writing) {
    // Our PutObject sends none of these: writing without them would store the output in the
    // clear where the configuration asks for encryption.
    for (const char* name : {"server_side_encryption", "sse_kms_key_id", "sse_customer_key_base64"}) {
      if (const auto* value = resolved->find(name)) {
        return make_error(ErrorCode::kInvalidArgument,
                          value->source + " (" + name +
                              ") is not supported for an OUT_DIR in S3: tiff-dumper's uploads do not send "
                              "encryption headers; use the bucket's default encryption, and give the OUT_DIR "
                              "its own options without it (output.store_options)");
      }
    }
  }

  // Credentials: the chain of aws_credentials.hpp decides the source without any network.
  auto plan = resolve_aws_credentials(*resolved, options, profile, config.region);
  if (!plan) return std::move(plan).error();
  config.credentials_source = plan->source;
  if (plan->kind == AwsSourceKind::kStatic) {
    const auto& key = plan->static_credential;
    config.credentials = AwsCredentials{key.key_id, key.secret_key, key.token};
  }
  config.credential_plan = std::make_shared<const AwsCredentialPlan>(std::move(*plan));

  // Endpoint: the option, the URL (R2), AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL / AWS_ENDPOINT,
  // else AWS itself.
  const OptionValue* s3_endpoint_value = resolved->find("endpoint_url_s3");
  const OptionValue* endpoint_value = resolved->find("endpoint");
  std::string endpoint = first_set({is_from_options(s3_endpoint_value) ? s3_endpoint_value->value : "",
                                    is_from_options(endpoint_value) ? endpoint_value->value : "", parts->endpoint,
                                    s3_endpoint_value != nullptr ? s3_endpoint_value->value : "",
                                    endpoint_value != nullptr ? endpoint_value->value : ""});
  auto status = check_s3_express(*resolved, config.bucket, endpoint.empty());
  if (!status) return std::move(status).error();
  if (endpoint.empty()) {
    std::string host = config.virtual_hosted ? config.bucket + ".s3." + config.region + ".amazonaws.com"
                                             : "s3." + config.region + ".amazonaws.com";
    config.origin = "https://" + host;
    config.host = host;
    config.base_path = config.virtual_hosted ? "" : "/" + percent_encode(config.bucket, false);
    return config;
  }
  status = check_allow_http(*resolved, endpoint, "S3 endpoint");
  if (!status) return std::move(status).error();
  auto parsed = parse_url(endpoint);
  if (!parsed) return std::move(parsed).error();
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return make_error(ErrorCode::kInvalidArgument,
                      "S3 endpoint '" + endpoint + "' must start with http:// or https://");
  }
  if (!parsed->query.empty() || !parsed->userinfo.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "S3 endpoint must be scheme://host[:port][/path]");
  }
  std::string endpoint_path = parsed->path;
  while (!endpoint_path.empty() && endpoint_path.back() == '/') endpoint_path.pop_back();
  if (config.virtual_hosted) {
    // obstore expects the bucket already in the endpoint host; add it when it is not there.
    if (parsed->host.rfind(config.bucket + ".", 0) != 0) parsed->host = config.bucket + "." + parsed->host;
    config.base_path = endpoint_path;
  } else {
    config.base_path = endpoint_path + "/" + percent_encode(config.bucket, false);
  }
  config.origin = origin(*parsed);
  config.host = host_header(*parsed);
  return config;
}

}  // namespace tdump::store
