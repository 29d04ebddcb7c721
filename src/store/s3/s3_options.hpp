#pragma once
// S3 store configuration from a URL + options + environment + AWS profile files: the bucket,
// addressing (path-style or virtual-hosted), endpoint, region and credentials.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/common/options.hpp"
#include "store/object_store.hpp"
#include "store/s3/aws_credentials.hpp"
#include "store/s3/sigv4.hpp"

namespace tdump::store {

struct S3Config {
  std::string bucket;
  std::string root_prefix;  // "" or "path/": the store URL's path part
  std::string region;
  bool virtual_hosted = false;
  bool request_payer = false;
  // PUT bodies are signed with their SHA-256 unless this is set (obstore's unsigned_payload);
  // GETs and DELETEs carry no body and are always sent UNSIGNED-PAYLOAD.
  bool unsigned_payload = false;
  // SSE-C (sse_customer_key_base64): the key as given (base64 of 32 bytes) and the base64 of its
  // MD5, sent on every GET. Secret: never logged or shown.
  std::string sse_customer_key_base64;
  std::string sse_customer_key_md5_base64;
  std::optional<AwsCredentials> credentials;  // static keys; unset: anonymous or a temporary source
  std::string credentials_source;             // "options", "environment", "profile 'x'"... (no secrets)
  // Where the credentials come from (aws_credentials.hpp): the store builds its provider with
  // aws_credential_provider(*credential_plan, engine). Never null after s3_config_from_url.
  std::shared_ptr<const AwsCredentialPlan> credential_plan;

  // Derived addressing.
  std::string origin;     // "https://bucket.s3.us-east-1.amazonaws.com" or "http://127.0.0.1:9000"
  std::string host;       // Host header value
  std::string base_path;  // encoded path before "/<key>": "/bucket" (path style), "" (virtual)
};

// The S3 option keys (obstore's AmazonS3ConfigKey names and aliases).
std::span<const OptionKey> s3_option_keys();

// s3://bucket[/prefix], s3a://..., https://bucket.s3[.region].amazonaws.com[/prefix],
// https://s3[.region].amazonaws.com/bucket[/prefix], https://ACCOUNT.r2.cloudflarestorage.com/bucket.
Result<S3Config> s3_config_from_url(std::string_view url, const StoreOptions& options);

// True for URLs s3_config_from_url understands that are not s3:// (AWS / R2 https hosts).
bool is_s3_https_url(std::string_view host);

}  // namespace tdump::store
