#include "store/azure/azure_options.hpp"

#include <array>

#include "store/client_options.hpp"
#include "store/common/crypto.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

// obstore's AzureConfigKey names and aliases (azure_storage_account / azure_storage_key are
// added so the Azure CLI's AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY are read too).
constexpr std::array kAzureKeys = {
    OptionKey{"account_name", {"azure_storage_account_name", "azure_storage_account"}},
    OptionKey{"account_key",
              {"azure_storage_account_key", "azure_storage_access_key", "azure_storage_master_key", "access_key",
               "master_key", "azure_storage_key"},
              true,
              true},
    OptionKey{"sas_key", {"azure_storage_sas_key", "azure_storage_sas_token", "sas_token"}, true, true},
    OptionKey{"token", {"azure_storage_token", "bearer_token"}, true, true},
    OptionKey{"use_emulator", {"azure_storage_use_emulator"}},
    OptionKey{"endpoint", {"azure_storage_endpoint", "azure_endpoint"}},
    OptionKey{"skip_signature", {"azure_skip_signature"}},
    OptionKey{"container_name", {"azure_container_name"}, true, false, false},
    OptionKey{"client_id", {"azure_storage_client_id", "azure_client_id"}, false, false, false},
    OptionKey{"client_secret", {"azure_storage_client_secret", "azure_client_secret"}, false, true, false},
    OptionKey{"tenant_id",
              {"azure_storage_tenant_id", "azure_storage_authority_id", "azure_tenant_id", "azure_authority_id",
               "authority_id"},
              false,
              false,
              false},
    OptionKey{"authority_host", {"azure_storage_authority_host", "azure_authority_host"}, false, false, false},
    OptionKey{
        "msi_endpoint", {"azure_msi_endpoint", "azure_identity_endpoint", "identity_endpoint"}, false, false, false},
    OptionKey{"object_id", {"azure_object_id"}, false, false, false},
    OptionKey{"msi_resource_id", {"azure_msi_resource_id"}, false, false, false},
    OptionKey{"federated_token_file", {"azure_federated_token_file"}, false, false, false},
    OptionKey{"use_fabric_endpoint", {"azure_use_fabric_endpoint"}, false, false, false},
    OptionKey{"use_azure_cli", {"azure_use_azure_cli"}, false, false, false},
    OptionKey{"disable_tagging", {"azure_disable_tagging"}, false, false, false},
    OptionKey{"fabric_token_service_url", {"azure_fabric_token_service_url"}, false, false, false},
    OptionKey{"fabric_workload_host", {"azure_fabric_workload_host"}, false, false, false},
    OptionKey{"fabric_session_token", {"azure_fabric_session_token"}, false, true, false},
    OptionKey{"fabric_cluster_identifier", {"azure_fabric_cluster_identifier"}, false, false, false},
};

// "acct" from "acct.blob.core.windows.net" / "acct.dfs.core.windows.net".
std::string account_from_host(std::string_view host) {
  auto dot = host.find('.');
  return std::string(host.substr(0, dot));
}

struct AzureUrlParts {
  std::string account;  // may be empty (az://)
  std::string container;
  std::string path;             // raw rest
  std::string url_base_prefix;  // before the container-relative key
  bool url_encoded = false;
};

Result<AzureUrlParts> split_azure_url(std::string_view url) {
  auto parsed = parse_url(url);
  if (!parsed) return std::move(parsed).error();
  AzureUrlParts parts;
  auto take_container_from_path = [&](const std::string& raw_path) {
    std::string_view path = raw_path;
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    auto slash = path.find('/');
    parts.container = percent_decode(path.substr(0, slash));
    parts.path = slash == std::string_view::npos ? std::string{} : std::string(path.substr(slash + 1));
  };
  const std::string& scheme = parsed->scheme;
  if (scheme == "az" || scheme == "adl" || scheme == "azure") {
    parts.container = parsed->host;
    parts.path = parsed->path;
    parts.url_base_prefix = scheme + "://" + parts.container + "/";
  } else if (scheme == "abfs" || scheme == "abfss") {
    if (!parsed->userinfo.empty()) {  // abfss://container@account.dfs.core.windows.net/path
      parts.container = parsed->userinfo;
      parts.account = account_from_host(parsed->host);
      parts.path = parsed->path;
      parts.url_base_prefix = scheme + "://" + parts.container + "@" + parsed->host + "/";
    } else {  // abfss://account.dfs.core.windows.net/container/path
      parts.account = account_from_host(parsed->host);
      take_container_from_path(parsed->path);
      parts.url_base_prefix = scheme + "://" + parsed->host + "/" + parts.container + "/";
    }
  } else if (scheme == "https" && is_azure_https_host(parsed->host)) {
    if (!parsed->query.empty()) {  // most likely a pasted SAS URL: keep the secret out of the store name
      return make_error(ErrorCode::kInvalidArgument,
                        "the Azure URL has a query string; give a SAS with the sas_key option (or "
                        "AZURE_STORAGE_SAS_TOKEN) and the URL without '?...'");
    }
    parts.account = account_from_host(parsed->host);
    take_container_from_path(parsed->path);
    parts.url_base_prefix = "https://" + parsed->host + "/" + percent_encode(parts.container, false) + "/";
    parts.url_encoded = true;
  } else {
    return make_error(ErrorCode::kInvalidArgument, "'" + std::string(url) + "' is not an Azure Blob URL");
  }
  if (parts.container.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "Azure URL '" + std::string(url) + "' has no container (expected az://CONTAINER[/prefix])");
  }
  return parts;
}

}  // namespace

std::span<const OptionKey> azure_option_keys() {
  return kAzureKeys;
}

bool is_azure_https_host(std::string_view host) {
  return host.ends_with(".blob.core.windows.net") || host.ends_with(".dfs.core.windows.net");
}

Result<AzureConfig> azure_config_from_url(std::string_view url, const StoreOptions& options) {
  auto parts = split_azure_url(url);
  if (!parts) return std::move(parts).error();
  std::array<std::span<const OptionKey>, 2> sets{azure_option_keys(), client_option_keys()};
  auto resolved = resolve_options(options, sets, "azure_", "Azure");
  if (!resolved) return std::move(resolved).error();
  resolved->warn_ignored("Azure");

  AzureConfig config;
  config.container = parts->container;
  config.root_prefix = root_prefix_from_path(percent_decode(parts->path));
  config.url_base = parts->url_base_prefix;
  config.url_encoded = parts->url_encoded;
  if (auto name = resolved->text("container_name"); name && *name != config.container) {
    return make_error(ErrorCode::kInvalidArgument, "option container_name '" + *name +
                                                       "' differs from the URL's container '" + config.container + "'");
  }

  auto emulator = resolved->boolean("use_emulator", false);
  if (!emulator) return std::move(emulator).error();
  const OptionValue* account_option = resolved->find("account_name");
  // The URL's account wins over the environment, an explicit option over both (if they differ, fail).
  if (!parts->account.empty()) {
    if (is_from_options(account_option) && account_option->value != parts->account) {
      return make_error(ErrorCode::kInvalidArgument, "option account_name '" + account_option->value +
                                                         "' differs from the URL's account '" + parts->account + "'");
    }
    config.account = parts->account;
  } else if (account_option != nullptr) {
    config.account = account_option->value;
  } else if (*emulator) {
    config.account = std::string(kAzuriteAccount);
  }

  // Blob endpoint.
  const OptionValue* endpoint = resolved->find("endpoint");
  if (*emulator) {
    std::string base = endpoint != nullptr ? endpoint->value : std::string{};
    if (base.empty() && options.env) base = options.env("AZURITE_BLOB_STORAGE_URL").value_or("");
    if (base.empty()) base = "http://127.0.0.1:10000";
    while (!base.empty() && base.back() == '/') base.pop_back();
    // An endpoint that already ends with the account (".../devstoreaccount1") is taken as is.
    if (!base.ends_with("/" + config.account)) base += "/" + config.account;
    config.blob_endpoint = base;
  } else if (endpoint != nullptr) {
    auto status = check_allow_http(*resolved, endpoint->value, "Azure endpoint");
    if (!status) return std::move(status).error();
    auto parsed = parse_url(endpoint->value);
    if (!parsed) return std::move(parsed).error();
    if (parsed->scheme != "http" && parsed->scheme != "https") {
      return make_error(ErrorCode::kInvalidArgument, "Azure endpoint must start with http:// or https://");
    }
    std::string base = endpoint->value;
    while (!base.empty() && base.back() == '/') base.pop_back();
    config.blob_endpoint = base;
    if (config.account.empty()) {  // from "http://host:port/ACCOUNT" or "https://ACCOUNT.blob..."
      std::string_view path = parsed->path;
      while (!path.empty() && path.front() == '/') path.remove_prefix(1);
      config.account = !path.empty() ? std::string(path.substr(0, path.find('/'))) : account_from_host(parsed->host);
    }
  } else {
    if (config.account.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "no Azure storage account: give the option account_name (or AZURE_STORAGE_ACCOUNT_NAME), "
                        "or use a URL that names it (abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/, "
                        "https://ACCOUNT.blob.core.windows.net/CONTAINER)");
    }
    config.blob_endpoint = "https://" + config.account + ".blob.core.windows.net";
  }

  // Credentials: options first, then the environment; Shared Key, SAS, bearer token.
  auto skip = resolved->boolean("skip_signature", false);
  if (!skip) return std::move(skip).error();
  if (*skip) {
    config.credentials_source = "anonymous";
    return config;
  }
  static constexpr std::array<std::string_view, 3> kOrder = {"account_key", "sas_key", "token"};
  const auto [chosen, chosen_key] = resolved->first_present(kOrder);
  if (chosen == nullptr && *emulator) {
    config.auth = AzureConfig::Auth::kSharedKey;
    config.account_key = std::string(kAzuriteKey);
    config.credentials_source = "the emulator's well-known key";
    return config;
  }
  if (chosen == nullptr) {
    return make_error(ErrorCode::kPermissionDenied,
                      "no Azure credentials found: looked for the options account_key, sas_key and token, and the "
                      "environment variables AZURE_STORAGE_ACCOUNT_KEY / AZURE_STORAGE_SAS_TOKEN / "
                      "AZURE_STORAGE_TOKEN. For a public container set skip_signature=true. Service principals, "
                      "managed identity and the Azure CLI are not supported.");
  }
  config.credentials_source = chosen->source;
  if (chosen_key == "account_key") {
    if (!base64_decode(chosen->value)) {
      return bad_option_value(*chosen, "account_key", "the base64 account key shown in the Azure portal");
    }
    config.auth = AzureConfig::Auth::kSharedKey;
    config.account_key = chosen->value;
  } else if (chosen_key == "sas_key") {
    std::string sas = chosen->value;
    if (!sas.empty() && sas.front() == '?') sas.erase(0, 1);
    if (sas.find("sig=") == std::string::npos) {
      return bad_option_value(*chosen, "sas_key", "a SAS query string containing sig=");
    }
    config.auth = AzureConfig::Auth::kSas;
    config.sas = sas;
  } else {
    config.auth = AzureConfig::Auth::kBearerToken;
    config.bearer_token = chosen->value;
  }
  return config;
}

}  // namespace tdump::store
