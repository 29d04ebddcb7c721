#pragma once
// GCS store configuration: bucket and prefix from gs://BUCKET[/prefix], the JSON API endpoint,
// and how requests are authorised (anonymous, a fixed bearer token, or OAuth from a credentials
// file or the metadata server: docs/store.md "Credentials" has the order). The provider that
// signing asks is built from it by gcs_credential_provider() (gcs_credentials.hpp).
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/common/options.hpp"
#include "store/gcs/google_credentials.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

inline constexpr std::string_view kGcsDefaultEndpoint = "https://storage.googleapis.com";

struct GcsConfig {
  std::string bucket;
  std::string root_prefix;
  std::string endpoint{kGcsDefaultEndpoint};  // without a trailing '/'
  enum class Auth { kAnonymous, kBearerToken, kOAuth } auth = Auth::kAnonymous;
  std::string bearer_token;  // kBearerToken
  // kOAuth: a credentials file (service_account, authorized_user, external_account,
  // impersonated_service_account) or the metadata server (type "gce_metadata").
  GoogleCredentials credentials;
  std::string credentials_source;  // for messages: "option service_account (path)", no secrets
  // A customer-supplied encryption key (option encryption_key): reads of objects written with
  // it must send it (gcs_encryption_headers() in gcs_credentials.hpp). Base64 of 32 bytes, and
  // the base64 of its SHA-256; both empty when not given.
  std::string encryption_key_base64;
  std::string encryption_key_sha256_base64;
  // The OAuth scope a service account asks for: read-only unless the store is written to.
  std::string_view scope = kGcsReadScope;
};

std::span<const OptionKey> gcs_option_keys();

Result<GcsConfig> gcs_config_from_url(std::string_view url, const StoreOptions& options);

}  // namespace tdump::store
