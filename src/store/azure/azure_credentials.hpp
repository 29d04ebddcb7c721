#pragma once
// What an Azure Blob store signs with, built from the AzureConfig that azure_config_from_url
// resolved (docs/store.md "Credentials" gives the order): nothing (anonymous), a Shared Key, a
// SAS query, or bearer tokens, as the AzureCredential (azure_client.hpp) that signing asks a
// provider for on every request (CredentialProvider, credential_provider.hpp). Bearer sources:
// - a token option: static;
// - workload identity (AKS): the client-assertion grant at {authority}/{tenant}/oauth2/v2.0/token
//   with the federated token file, read again on every refresh;
// - a service principal's secret: the client-credentials grant at the same endpoint;
// - the Azure CLI: `az account get-access-token`, run on a worker thread (azure_cli.cpp);
// - managed identity: IMDS, or App Service's IDENTITY_ENDPOINT (azure_msi.cpp);
// the last four refreshed ahead of expiry by one fetch however many requests wait.
// Fetches use engine->submit only, never follow redirects, and put no secret into any message.
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/azure/azure_client.hpp"
#include "store/azure/azure_options.hpp"
#include "store/common/credential_provider.hpp"

namespace tdump::store {

inline constexpr std::string_view kAzureStorageScope = "https://storage.azure.com/.default";
inline constexpr std::string_view kAzureStorageResource = "https://storage.azure.com";

// The provider the Azure store asks on every request: nullptr when anonymous; a static one for a
// Shared Key, a SAS or a token option; for a token source (auth kTokenProvider) the refreshing
// bearer provider below, seen as AzureCredential{kBearer}. `metadata_engine` carries the
// managed-identity requests (an engine with short timeouts is a good idea: off Azure, IMDS does
// not answer); null means `engine`.
Result<CredentialProviderPtr<AzureCredential>> azure_credential_provider(
    const AzureConfig& config, std::shared_ptr<http::Engine> engine,
    std::shared_ptr<http::Engine> metadata_engine = nullptr, RefreshPolicy policy = {});

// The bearer tokens of `config`: static for a token option, refreshing for a token source; an
// error for other kinds of credential.
Result<CredentialProviderPtr<BearerCredential>> azure_token_provider(
    const AzureConfig& config, std::shared_ptr<http::Engine> engine,
    std::shared_ptr<http::Engine> metadata_engine = nullptr, RefreshPolicy policy = {});

using AzureFetchDone = RefreshingCredentialProvider<BearerCredential>::FetchDone;

// One token from Azure AD for `source` (workload identity or client secret).
void fetch_azure_ad_token(const AzureTokenSource& source, http::Engine& engine, AzureFetchDone done);
// One token from the managed identity endpoint (azure_msi.cpp).
void fetch_managed_identity_token(const AzureTokenSource& source, http::Engine& engine, AzureFetchDone done);

// The Azure CLI as a token source (azure_cli.cpp): each fetch runs
// `az account get-access-token --resource https://storage.azure.com --output json` (no shell)
// on the source's own worker thread, at most `cli_timeout` long, its output capped; the fetch
// returns at once and `done` is called from the worker.
std::function<void(AzureFetchDone)> make_azure_cli_fetch(const AzureTokenSource& source);

// The token in `az account get-access-token --output json`'s answer: accessToken, and its expiry
// from expires_on (Unix seconds, az >= 2.54) or else expiresOn (local time "YYYY-MM-DD HH:MM:SS.ffffff").
Result<Expiring<BearerCredential>> parse_azure_cli_token(std::string_view json);

}  // namespace tdump::store
