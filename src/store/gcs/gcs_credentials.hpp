#pragma once
// The credential provider of a GCS store: what signing asks for the current bearer token on
// every request (CredentialProvider, credential_provider.hpp). Built from the GcsConfig that
// gcs_config_from_url resolved (docs/store.md "Credentials" lists the sources and their order):
// - anonymous (skip_signature, or a key file's disable_oauth): nullptr, send no Authorization;
// - a bearer_token option: a static provider;
// - every other source: a RefreshingCredentialProvider whose fetch runs the source's exchange
//   (gce_metadata.cpp for the metadata server, external_account.cpp for workload identity
//   federation and impersonation, the JWT / refresh-token grants here), refreshed ahead of
//   expiry, one fetch for any number of waiting requests.
// Fetches use engine->submit only (never execute), never follow redirects, and put no secret
// into any message.
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/common/credential_provider.hpp"
#include "store/gcs/gcs_options.hpp"
#include "store/gcs/google_credentials.hpp"

namespace tdump::store {

using BearerProvider = CredentialProvider<BearerCredential>;
using BearerFetchDone = RefreshingCredentialProvider<BearerCredential>::FetchDone;

// The provider for `config`, nullptr when requests go unsigned. `metadata_engine` carries the
// requests to the metadata server (an engine with short timeouts is a good idea: off Google
// Cloud the metadata server does not answer); null means `engine`.
Result<CredentialProviderPtr<BearerCredential>> gcs_credential_provider(
    const GcsConfig& config, std::shared_ptr<http::Engine> engine,
    std::shared_ptr<http::Engine> metadata_engine = nullptr, RefreshPolicy policy = {});

// The headers that read an object written with a customer-supplied encryption key
// (x-goog-encryption-algorithm / -key / -key-sha256); empty without the encryption_key option.
std::vector<http::HeaderField> gcs_encryption_headers(const GcsConfig& config);

// One fetch of a token for `credentials` (any type) with `scope`, as a provider's Fetch runs it.
void fetch_google_token(std::shared_ptr<const GoogleCredentials> credentials, std::string scope,
                        std::shared_ptr<http::Engine> engine, std::shared_ptr<http::Engine> metadata_engine,
                        BearerFetchDone done);

// The metadata server's token (gce_metadata.cpp): GET
// http://HOST/computeMetadata/v1/instance/service-accounts/default/token with
// `Metadata-Flavor: Google`; an answer without that header back is refused; a failed connection
// tries `metadata_fallback_host` once.
void fetch_gce_metadata_token(std::shared_ptr<const GoogleCredentials> credentials,
                              std::shared_ptr<http::Engine> engine, BearerFetchDone done);

// Workload identity federation and impersonation (external_account.cpp).
void fetch_external_account_token(const std::shared_ptr<const GoogleCredentials>& credentials, std::string scope,
                                  std::shared_ptr<http::Engine> engine, BearerFetchDone done);
void fetch_impersonated_token(std::shared_ptr<const GoogleCredentials> credentials, std::string scope,
                              std::shared_ptr<http::Engine> engine, std::shared_ptr<http::Engine> metadata_engine,
                              BearerFetchDone done);
// The IAM Credentials generateAccessToken call with a token of the caller (shared by both).
void impersonate_service_account(const GoogleCredentials& credentials, const std::string& caller_token,
                                 const std::string& scope, http::Engine& engine, BearerFetchDone done);

}  // namespace tdump::store
