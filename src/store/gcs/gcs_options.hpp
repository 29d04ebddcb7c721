#pragma once
// GCS store configuration: bucket and prefix from gs://BUCKET[/prefix], the JSON API endpoint,
// and how requests are authorised (anonymous, a fixed bearer token, or OAuth from a
// credentials file).
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
  std::string bearer_token;        // kBearerToken
  GoogleCredentials credentials;   // kOAuth
  std::string credentials_source;  // for messages: "option service_account (path)", no secrets
  // The OAuth scope a service account asks for: read-only unless the store is written to.
  std::string_view scope = kGcsReadScope;
};

std::span<const OptionKey> gcs_option_keys();

Result<GcsConfig> gcs_config_from_url(std::string_view url, const StoreOptions& options);

}  // namespace tdump::store
