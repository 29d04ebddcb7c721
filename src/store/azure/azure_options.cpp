#include "store/azure/azure_options.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <optional>

#include "store/client_options.hpp"
#include "store/common/crypto.hpp"
#include "store/common/oauth_token.hpp"
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
    OptionKey{"use_emulator", {"azure_storage_use_emulator", "object_store_use_emulator"}},
    OptionKey{"endpoint", {"azure_storage_endpoint", "azure_endpoint"}},
    OptionKey{"skip_signature", {"azure_skip_signature"}},
    OptionKey{"container_name", {"azure_container_name"}, true, false, false},
    OptionKey{"client_id", {"azure_storage_client_id", "azure_client_id"}},
    OptionKey{"client_secret", {"azure_storage_client_secret", "azure_client_secret"}, true, true},
    OptionKey{"tenant_id",
              {"azure_storage_tenant_id", "azure_storage_authority_id", "azure_tenant_id", "azure_authority_id",
               "authority_id"}},
    OptionKey{"authority_host", {"azure_storage_authority_host", "azure_authority_host"}},
    OptionKey{"msi_endpoint", {"azure_msi_endpoint", "azure_identity_endpoint", "identity_endpoint"}},
    OptionKey{"object_id", {"azure_object_id"}},
    OptionKey{"msi_resource_id", {"azure_msi_resource_id"}},
    OptionKey{"federated_token_file", {"azure_federated_token_file"}},
    OptionKey{"use_fabric_endpoint", {"azure_use_fabric_endpoint"}},
    OptionKey{"use_azure_cli", {"azure_use_azure_cli"}},
    // tiff-dumper never tags objects: honoured by doing nothing.
    OptionKey{"disable_tagging", {"azure_disable_tagging"}},
    // The token service of Microsoft Fabric notebooks: known, not implemented (warned, ignored).
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
  bool fabric = false;  // a *.fabric.microsoft.com host
};

bool is_fabric_host(std::string_view host) {
  return host.ends_with(".dfs.fabric.microsoft.com") || host.ends_with(".blob.fabric.microsoft.com");
}

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
  if (scheme == "az" && !parsed->userinfo.empty() && is_azure_https_host(parsed->host)) {
    // az://container@account.dfs.core.windows.net/path (object_store reads az:// like abfs://)
    parts.container = parsed->userinfo;
    parts.account = account_from_host(parsed->host);
    parts.path = parsed->path;
    parts.fabric = is_fabric_host(parsed->host);
    parts.url_base_prefix = scheme + "://" + parts.container + "@" + parsed->host + "/";
  } else if (scheme == "az" || scheme == "adl" || scheme == "azure") {
    parts.container = parsed->host;
    parts.path = parsed->path;
    parts.url_base_prefix = scheme + "://" + parts.container + "/";
  } else if (scheme == "abfs" || scheme == "abfss") {
    if (!parsed->userinfo.empty()) {  // abfss://container@account.dfs.core.windows.net/path
      parts.container = parsed->userinfo;
      parts.account = account_from_host(parsed->host);
      parts.path = parsed->path;
      parts.fabric = is_fabric_host(parsed->host);
      parts.url_base_prefix = scheme + "://" + parts.container + "@" + parsed->host + "/";
    } else {  // abfss://account.dfs.core.windows.net/container/path
      parts.account = account_from_host(parsed->host);
      parts.fabric = is_fabric_host(parsed->host);
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
    parts.fabric = is_fabric_host(parsed->host);
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
  return host.ends_with(".blob.core.windows.net") || host.ends_with(".dfs.core.windows.net") ||
         host.ends_with(".dfs.fabric.microsoft.com") || host.ends_with(".blob.fabric.microsoft.com");
}

namespace {

constexpr std::string_view kImdsEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token";

// The first `az` on PATH that is an executable file, or "".
std::string find_on_path(const std::string& path, std::string_view program) {
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + std::string(program);
    if (::access(candidate.c_str(), X_OK) == 0) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    }
    start = end + 1;
  }
  return {};
}

// One credential source of the order, with the keys it needs.
enum class Source { kToken, kAccessKey, kWorkloadIdentity, kClientSecret, kSas, kAzureCli };

struct SourceRule {
  Source source;
  std::array<std::string_view, 3> keys;  // all must be present ("" = unused)
};

// object_store's order (MicrosoftAzureBuilder::build), managed identity last.
constexpr std::array kOrder = {
    SourceRule{Source::kToken, {"token"}},
    SourceRule{Source::kAccessKey, {"account_key"}},
    SourceRule{Source::kWorkloadIdentity, {"client_id", "tenant_id", "federated_token_file"}},
    SourceRule{Source::kClientSecret, {"client_id", "client_secret", "tenant_id"}},
    SourceRule{Source::kSas, {"sas_key"}},
    SourceRule{Source::kAzureCli, {"use_azure_cli"}},
};

// The first source whose keys are all given as options, else the first whose keys are all given
// at all (options or environment): options win over the environment, object_store's order
// decides within each.
Result<std::optional<Source>> choose_source(const ResolvedOptions& resolved) {
  auto cli = resolved.boolean("use_azure_cli", false);
  if (!cli) return std::move(cli).error();
  for (const bool options_only : {true, false}) {
    for (const auto& rule : kOrder) {
      bool complete = true;
      for (auto key : rule.keys) {
        if (key.empty()) continue;
        const auto* value = resolved.find(key);
        if (value == nullptr || (options_only && !is_from_options(value))) complete = false;
      }
      if (rule.source == Source::kAzureCli) complete = complete && *cli;
      if (complete) return std::optional<Source>{rule.source};
    }
  }
  return std::optional<Source>{};
}

std::string without_trailing_slashes(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

Status set_oauth_basics(const ResolvedOptions& resolved, AzureTokenSource& source) {
  source.client_id = resolved.text("client_id").value_or("");
  source.tenant_id = resolved.text("tenant_id").value_or("");
  if (const auto* host = resolved.find("authority_host")) {
    source.authority_host = without_trailing_slashes(host->value);
    auto parsed = parse_url(source.authority_host);
    if (!parsed || (parsed->scheme != "https" && parsed->scheme != "http") || !parsed->query.empty()) {
      return bad_option_value(*host, "authority_host", "an https:// URL such as https://login.microsoftonline.com");
    }
  }
  auto status = check_allow_http(resolved, source.authority_host, "Azure AD authority_host");
  if (!status) return status;
  // The tenant becomes a path segment of the token URL.
  for (char c : source.tenant_id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) {
      return bad_option_value(*resolved.find("tenant_id"), "tenant_id", "a tenant id (a GUID) or a domain name");
    }
  }
  return {};
}

Status set_managed_identity(const ResolvedOptions& resolved, const StoreOptions& options, AzureTokenSource& source) {
  source.kind = AzureTokenSource::Kind::kManagedIdentity;
  source.client_id = resolved.text("client_id").value_or("");
  source.object_id = resolved.text("object_id").value_or("");
  source.msi_resource_id = resolved.text("msi_resource_id").value_or("");
  auto env = [&](const char* name) -> std::string {
    if (!options.env) return {};
    return options.env(name).value_or("");
  };
  // App Service / Functions put their endpoint in IDENTITY_ENDPOINT and a per-app secret in
  // IDENTITY_HEADER; obstore's msi_endpoint (or IDENTITY_ENDPOINT alone) moves the IMDS endpoint.
  std::string endpoint;
  if (const auto* option = resolved.find("msi_endpoint")) {
    endpoint = option->value;
  } else {
    endpoint = env("IDENTITY_ENDPOINT");
  }
  source.identity_header = env("IDENTITY_HEADER");
  if (endpoint.empty()) {
    source.msi_endpoint = std::string(kImdsEndpoint);
    source.identity_header.clear();
  } else {
    auto parsed = parse_url(endpoint);
    if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https") || !parsed->query.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "the managed identity endpoint '" + url_for_messages(endpoint) +
                                                         "' (msi_endpoint / IDENTITY_ENDPOINT) is not an http(s) "
                                                         "URL without a query");
    }
    source.msi_endpoint = endpoint;
  }
  source.app_service = !source.identity_header.empty();
  return {};
}

}  // namespace

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
  auto fabric = resolved->boolean("use_fabric_endpoint", false);
  if (!fabric) return std::move(fabric).error();
  auto disable_tagging = resolved->boolean("disable_tagging", false);  // validated; nothing is ever tagged
  if (!disable_tagging) return std::move(disable_tagging).error();
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
    // Microsoft Fabric (OneLake) serves the Blob API at ACCOUNT.blob.fabric.microsoft.com.
    const bool use_fabric = *fabric || parts->fabric;
    config.blob_endpoint =
        "https://" + config.account + (use_fabric ? ".blob.fabric.microsoft.com" : ".blob.core.windows.net");
  }

  auto skip = resolved->boolean("skip_signature", false);
  if (!skip) return std::move(skip).error();
  if (*skip) {
    config.credentials_source = "anonymous";
    return config;
  }

  Result<std::optional<Source>> chosen = std::optional<Source>{};
  if (*emulator) {
    // object_store's emulator order: a key, a bearer token, a SAS, else the well-known key.
    static constexpr std::array<std::string_view, 3> kEmulatorOrder = {"account_key", "token", "sas_key"};
    const auto picked = resolved->first_present(kEmulatorOrder);
    if (picked.value == nullptr) {
      config.auth = AzureConfig::Auth::kSharedKey;
      config.account_key = std::string(kAzuriteKey);
      config.credentials_source = "the emulator's well-known key";
      return config;
    }
    chosen = std::optional<Source>{picked.name == "account_key" ? Source::kAccessKey
                                   : picked.name == "token"     ? Source::kToken
                                                                : Source::kSas};
  } else {
    chosen = choose_source(*resolved);
    if (!chosen) return std::move(chosen).error();
  }
  auto source_of = [&](std::string_view key) { return resolved->find(key)->source; };
  if (!chosen->has_value()) {
    // Nothing configured: the machine's managed identity (Azure VM / VMSS / AKS node via IMDS,
    // App Service / Functions via IDENTITY_ENDPOINT), as object_store does last.
    auto status = set_managed_identity(*resolved, options, config.token_source);
    if (!status) return std::move(status).error();
    config.auth = AzureConfig::Auth::kTokenProvider;
    std::string selector;
    if (!config.token_source.msi_resource_id.empty()) {
      selector = ", resource id " + config.token_source.msi_resource_id;
    } else if (!config.token_source.object_id.empty()) {
      selector = ", object id " + config.token_source.object_id;
    } else if (!config.token_source.client_id.empty()) {
      selector = ", client id " + config.token_source.client_id;
    }
    config.credentials_source =
        std::string(config.token_source.app_service ? "App Service managed identity" : "managed identity") + " (" +
        url_for_messages(config.token_source.msi_endpoint) + selector + ")";
    return config;
  }
  switch (**chosen) {
    case Source::kToken: {
      config.auth = AzureConfig::Auth::kBearerToken;
      config.bearer_token = resolved->find("token")->value;
      config.credentials_source = source_of("token");
      break;
    }
    case Source::kAccessKey: {
      const auto* key = resolved->find("account_key");
      if (!base64_decode(key->value)) {
        return bad_option_value(*key, "account_key", "the base64 account key shown in the Azure portal");
      }
      config.auth = AzureConfig::Auth::kSharedKey;
      config.account_key = key->value;
      config.credentials_source = key->source;
      break;
    }
    case Source::kSas: {
      const auto* sas_value = resolved->find("sas_key");
      std::string sas = sas_value->value;
      if (!sas.empty() && sas.front() == '?') sas.erase(0, 1);
      if (sas.find("sig=") == std::string::npos) {
        return bad_option_value(*sas_value, "sas_key", "a SAS query string containing sig=");
      }
      config.auth = AzureConfig::Auth::kSas;
      config.sas = sas;
      config.credentials_source = sas_value->source;
      break;
    }
    case Source::kWorkloadIdentity: {
      auto status = set_oauth_basics(*resolved, config.token_source);
      if (!status) return std::move(status).error();
      config.token_source.kind = AzureTokenSource::Kind::kWorkloadIdentity;
      config.token_source.federated_token_file = resolved->find("federated_token_file")->value;
      config.auth = AzureConfig::Auth::kTokenProvider;
      config.credentials_source = "workload identity (client " + config.token_source.client_id + ", tenant " +
                                  config.token_source.tenant_id + ", token file " +
                                  config.token_source.federated_token_file + ")";
      break;
    }
    case Source::kClientSecret: {
      auto status = set_oauth_basics(*resolved, config.token_source);
      if (!status) return std::move(status).error();
      config.token_source.kind = AzureTokenSource::Kind::kClientSecret;
      config.token_source.client_secret = resolved->find("client_secret")->value;
      config.auth = AzureConfig::Auth::kTokenProvider;
      config.credentials_source = "service principal (client " + config.token_source.client_id + ", tenant " +
                                  config.token_source.tenant_id + ", secret from " + source_of("client_secret") + ")";
      break;
    }
    case Source::kAzureCli: {
      std::string path = options.env ? options.env("PATH").value_or("") : std::string{};
      config.token_source.kind = AzureTokenSource::Kind::kAzureCli;
      config.token_source.az_path = find_on_path(path, "az");
      if (config.token_source.az_path.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          source_of("use_azure_cli") + " asks for the Azure CLI, but no `az` program is on PATH");
      }
      config.auth = AzureConfig::Auth::kTokenProvider;
      config.credentials_source = "the Azure CLI (" + config.token_source.az_path + ")";
      break;
    }
  }
  return config;
}

}  // namespace tdump::store
