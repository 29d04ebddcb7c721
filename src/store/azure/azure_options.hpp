#pragma once
// Azure Blob store configuration: account, container and prefix from az://, abfs[s]:// or
// https://ACCOUNT.blob.core.windows.net/ URLs; the blob endpoint (Azure, Microsoft Fabric, an
// emulator such as Azurite, or any endpoint); and the credential source, chosen in the order
// docs/store.md "Credentials" gives (Shared Key, SAS, a bearer token, or a token source that is
// refreshed: workload identity, a service principal's secret, the Azure CLI, managed identity).
// azure_credential_provider() (azure_credentials.hpp) turns it into what signing uses.
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/common/options.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

inline constexpr std::string_view kAzuriteAccount = "devstoreaccount1";
inline constexpr std::string_view kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// A source of Azure AD tokens for https://storage.azure.com, refreshed ahead of expiry.
struct AzureTokenSource {
  enum class Kind { kWorkloadIdentity, kClientSecret, kAzureCli, kManagedIdentity } kind = Kind::kManagedIdentity;
  // Azure AD (workload identity, client secret); client_id also selects a managed identity.
  std::string client_id;
  std::string tenant_id;
  std::string authority_host{"https://login.microsoftonline.com"};  // without a trailing '/'
  std::string client_secret;                                        // kClientSecret (secret)
  std::string federated_token_file;                                 // kWorkloadIdentity: read on every refresh
  // kManagedIdentity: the endpoint to GET (IMDS, msi_endpoint, or App Service's IDENTITY_ENDPOINT)
  std::string msi_endpoint{"http://169.254.169.254/metadata/identity/oauth2/token"};
  bool app_service = false;     // IDENTITY_HEADER is set: App Service / Functions protocol
  std::string identity_header;  // its value, sent as X-IDENTITY-HEADER (secret)
  std::string object_id;        // selectors besides client_id (at most one is sent)
  std::string msi_resource_id;
  // kAzureCli: the `az` program found on PATH, and how long one run may take.
  std::string az_path;
  std::chrono::milliseconds cli_timeout{60'000};
};

struct AzureConfig {
  std::string account;
  std::string container;
  std::string root_prefix;
  std::string blob_endpoint;  // "https://acct.blob.core.windows.net" or "http://127.0.0.1:10000/devstoreaccount1"
  // kTokenProvider: bearer tokens from `token_source`, refreshed.
  enum class Auth { kAnonymous, kSharedKey, kSas, kBearerToken, kTokenProvider } auth = Auth::kAnonymous;
  std::string account_key;  // base64 text (kSharedKey)
  std::string sas;          // query string without '?' (kSas)
  std::string bearer_token;
  AzureTokenSource token_source;  // kTokenProvider
  std::string credentials_source;
  // How url_for() spells keys: the form the user gave.
  std::string url_base;  // e.g. "az://container/" or "https://acct.blob.core.windows.net/container/"
  bool url_encoded = false;
};

std::span<const OptionKey> azure_option_keys();

Result<AzureConfig> azure_config_from_url(std::string_view url, const StoreOptions& options);

// True for https hosts that are Azure Blob / Data Lake endpoints (also Microsoft Fabric's
// ACCOUNT.{dfs,blob}.fabric.microsoft.com).
bool is_azure_https_host(std::string_view host);

}  // namespace tdump::store
