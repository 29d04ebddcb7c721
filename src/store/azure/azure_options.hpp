#pragma once
// Azure Blob store configuration: account, container and prefix from az://, abfs[s]:// or
// https://ACCOUNT.blob.core.windows.net/ URLs; the blob endpoint (Azure, an emulator such as
// Azurite, or any endpoint); and the credential (Shared Key, SAS, bearer token, anonymous).
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

struct AzureConfig {
  std::string account;
  std::string container;
  std::string root_prefix;
  std::string blob_endpoint;  // "https://acct.blob.core.windows.net" or "http://127.0.0.1:10000/devstoreaccount1"
  enum class Auth { kAnonymous, kSharedKey, kSas, kBearerToken } auth = Auth::kAnonymous;
  std::string account_key;  // base64 text (kSharedKey)
  std::string sas;          // query string without '?' (kSas)
  std::string bearer_token;
  std::string credentials_source;
  // How url_for() spells keys: the form the user gave.
  std::string url_base;  // e.g. "az://container/" or "https://acct.blob.core.windows.net/container/"
  bool url_encoded = false;
};

std::span<const OptionKey> azure_option_keys();

Result<AzureConfig> azure_config_from_url(std::string_view url, const StoreOptions& options);

// True for https hosts that are Azure Blob / Data Lake endpoints.
bool is_azure_https_host(std::string_view host);

}  // namespace tdump::store
