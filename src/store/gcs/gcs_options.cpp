#include "store/gcs/gcs_options.hpp"

#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/client_options.hpp"
#include "store/common/crypto.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

// obstore's GoogleConfigKey, plus extensions: bearer_token's `token` alias, base_url's
// `endpoint` aliases, encryption_key (a customer-supplied encryption key) and credential_type
// (accepted so configs written for other tools load; it selects nothing).
constexpr std::array kGcsKeys = {
    OptionKey{"service_account", {"google_service_account", "service_account_path", "google_service_account_path"}},
    OptionKey{"service_account_key", {"google_service_account_key"}, true, true},
    OptionKey{"application_credentials", {"google_application_credentials"}},
    OptionKey{"bucket", {"google_bucket", "google_bucket_name", "bucket_name"}, true, false, false},
    OptionKey{"skip_signature", {"google_skip_signature"}},
    OptionKey{"bearer_token", {"google_bearer_token", "token"}, true, true},
    OptionKey{"base_url", {"google_base_url", "endpoint", "google_endpoint", "google_storage_endpoint"}},
    OptionKey{"encryption_key", {"google_encryption_key"}, true, true},
    OptionKey{"credential_type", {"google_credential_type"}, false},
};

constexpr std::uintmax_t kMaxCredentialsFile = 1U << 20;

Result<std::string> read_credentials_file(const std::string& path, const std::string& source) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxCredentialsFile) {
    return make_error(ErrorCode::kLimit, "Google credentials file '" + path + "' is larger than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read the Google credentials file '" + path + "' (from " + source + ")");
  }
  std::string text(kMaxCredentialsFile + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxCredentialsFile) {
    return make_error(ErrorCode::kLimit, "Google credentials file '" + path + "' is larger than 1 MiB");
  }
  return text;
}

// "host[:port]" from GCE_METADATA_HOST-style text ("http://" tolerated, nothing after the host).
Result<std::string> metadata_host_from(std::string_view text, std::string_view variable) {
  std::string_view host = text;
  if (ascii_lower(host.substr(0, 7)) == "http://") host.remove_prefix(7);
  while (!host.empty() && host.back() == '/') host.remove_suffix(1);
  if (host.empty() || host.find_first_of("/@?# ") != std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument, "environment variable " + std::string(variable) + " '" +
                                                       std::string(text) + "' is not a host[:port]");
  }
  return std::string(host);
}

// The metadata server's address: GCE_METADATA_HOST (or the older GCE_METADATA_ROOT), else
// metadata.google.internal; when the name is not overridden, or GCE_METADATA_IP is set, a
// failed connection is retried once at GCE_METADATA_IP (default 169.254.169.254).
Result<GoogleCredentials> metadata_credentials(const StoreOptions& options) {
  auto env = [&](const char* name) -> std::string {
    if (!options.env) return {};
    return options.env(name).value_or("");
  };
  GoogleCredentials out;
  out.type = "gce_metadata";
  std::string host = env("GCE_METADATA_HOST");
  const char* host_variable = "GCE_METADATA_HOST";
  if (host.empty()) {
    host = env("GCE_METADATA_ROOT");
    host_variable = "GCE_METADATA_ROOT";
  }
  const std::string ip = env("GCE_METADATA_IP");
  if (host.empty()) {
    out.metadata_host = std::string(kGceMetadataHost);
  } else {
    auto parsed = metadata_host_from(host, host_variable);
    if (!parsed) return std::move(parsed).error();
    out.metadata_host = std::move(*parsed);
  }
  if (!ip.empty()) {
    auto parsed = metadata_host_from(ip, "GCE_METADATA_IP");
    if (!parsed) return std::move(parsed).error();
    out.metadata_fallback_host = std::move(*parsed);
  } else if (host.empty()) {
    out.metadata_fallback_host = std::string(kGceMetadataIp);
  }
  if (out.metadata_fallback_host == out.metadata_host) out.metadata_fallback_host.clear();
  return out;
}

// Every URL a credentials file makes us call with a secret must pass allow_http.
Status check_credential_urls(const ResolvedOptions& resolved, const GoogleCredentials& credentials) {
  if (!credentials.token_uri.empty()) {
    auto status = check_allow_http(resolved, credentials.token_uri,
                                   credentials.type == "external_account" ? "STS token_url" : "OAuth token_uri");
    if (!status) return status;
  }
  if (!credentials.impersonation_url.empty()) {
    auto status = check_allow_http(resolved, credentials.impersonation_url, "service_account_impersonation_url");
    if (!status) return status;
  }
  if (credentials.source) return check_credential_urls(resolved, *credentials.source);
  return {};
}

// A service-account key that cannot sign fails when the store is opened, not on the first read.
Status probe_private_key(const GoogleCredentials& credentials, std::string_view scope) {
  if (credentials.type == "service_account" && !credentials.disable_oauth) {
    auto probe = make_service_account_jwt(credentials, std::time(nullptr), scope);
    if (!probe) return std::move(probe).error();
  }
  if (credentials.source) return probe_private_key(*credentials.source, scope);
  return {};
}

std::string adc_path(const StoreOptions& options) {
  // gcloud keeps its configuration in CLOUDSDK_CONFIG when set, else ~/.config/gcloud.
  if (options.env) {
    if (auto dir = options.env("CLOUDSDK_CONFIG"); dir && !dir->empty()) {
      return *dir + "/application_default_credentials.json";
    }
  }
  std::string home = options.home;
  if (home.empty() && options.env) home = options.env("HOME").value_or("");
  if (home.empty()) return {};
  return home + "/.config/gcloud/application_default_credentials.json";
}

}  // namespace

std::span<const OptionKey> gcs_option_keys() {
  return kGcsKeys;
}

Result<GcsConfig> gcs_config_from_url(std::string_view url, const StoreOptions& options) {
  auto parsed = parse_url(url);
  if (!parsed) return std::move(parsed).error();
  if (parsed->scheme != "gs" || parsed->host.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + std::string(url) + "' is not a GCS URL (expected gs://BUCKET[/prefix])");
  }
  std::array<std::span<const OptionKey>, 2> sets{gcs_option_keys(), client_option_keys()};
  auto resolved = resolve_options(options, sets, "google_", "GCS");
  if (!resolved) return std::move(resolved).error();
  resolved->warn_ignored("GCS");

  GcsConfig config;
  config.scope = options.for_writing ? kGcsReadWriteScope : kGcsReadScope;
  config.bucket = parsed->host;
  config.root_prefix = root_prefix_from_path(percent_decode(parsed->path));
  if (auto bucket = resolved->text("bucket"); bucket && *bucket != config.bucket) {
    return make_error(ErrorCode::kInvalidArgument,
                      "option bucket '" + *bucket + "' differs from the URL's bucket '" + config.bucket + "'");
  }

  if (const auto* key = resolved->find("encryption_key")) {
    auto bytes = base64_decode(key->value);
    if (!bytes || bytes->size() != 32) {
      return bad_option_value(*key, "encryption_key", "the base64 text of a 32-byte AES-256 key");
    }
    config.encryption_key_base64 = key->value;
    config.encryption_key_sha256_base64 = base64_encode(as_view(sha256(*bytes)));
  }

  auto skip = resolved->boolean("skip_signature", false);
  if (!skip) return std::move(skip).error();
  if (!*skip) {
    // Options win over the environment; within each, object_store's order: a bearer token, a
    // service-account key (path or JSON, not both), an application-credentials file.
    std::string json;
    for (const bool from_options : {true, false}) {
      auto tier = [&](std::string_view name) -> const OptionValue* {
        const auto* value = resolved->find(name);
        return value != nullptr && is_from_options(value) == from_options ? value : nullptr;
      };
      if (const auto* token = tier("bearer_token")) {
        config.auth = GcsConfig::Auth::kBearerToken;
        config.bearer_token = token->value;
        config.credentials_source = token->source;
        break;
      }
      const auto* path = tier("service_account");
      const auto* key = tier("service_account_key");
      if (path != nullptr && key != nullptr) {
        return make_error(ErrorCode::kInvalidArgument, "both " + path->source + " (a key file) and " + key->source +
                                                           " (a key) are set; give only one");
      }
      if (key != nullptr) {
        json = key->value;
        config.credentials_source = key->source;
        break;
      }
      const auto* file = path != nullptr ? path : tier("application_credentials");
      if (file != nullptr) {
        auto text = read_credentials_file(file->value, file->source);
        if (!text) return std::move(text).error();
        json = std::move(*text);
        config.credentials_source = file->source + " (" + file->value + ")";
        break;
      }
    }
    if (config.auth != GcsConfig::Auth::kBearerToken && json.empty()) {
      // gcloud's application-default credentials, as the Google SDKs look for them last.
      const std::string adc = adc_path(options);
      if (!adc.empty() && std::ifstream(adc).good()) {
        auto text = read_credentials_file(adc, "gcloud application default credentials");
        if (!text) return std::move(text).error();
        json = std::move(*text);
        config.credentials_source = "file " + adc;
      }
    }
    if (config.auth == GcsConfig::Auth::kBearerToken) {
      // a ready token: nothing to check
    } else if (!json.empty()) {
      auto credentials = parse_google_credentials(json, config.credentials_source);
      if (!credentials) return std::move(credentials).error();
      config.credentials = std::move(*credentials);
      config.auth = config.credentials.disable_oauth ? GcsConfig::Auth::kAnonymous : GcsConfig::Auth::kOAuth;
      auto status = probe_private_key(config.credentials, config.scope);
      if (!status) return std::move(status).error();
      status = check_credential_urls(*resolved, config.credentials);
      if (!status) return std::move(status).error();
    } else {
      // Nothing configured: the metadata server of a GCE VM, a GKE pod (Workload Identity),
      // Cloud Run... (what the Google SDKs and object_store try last).
      auto metadata = metadata_credentials(options);
      if (!metadata) return std::move(metadata).error();
      config.credentials = std::move(*metadata);
      config.auth = GcsConfig::Auth::kOAuth;
      config.credentials_source = "the GCE metadata server (" + config.credentials.metadata_host + ")";
    }
  }

  std::string endpoint;
  if (auto e = resolved->text("base_url")) {
    endpoint = *e;
  } else if (!config.credentials.gcs_base_url.empty()) {
    endpoint = config.credentials.gcs_base_url;
  }
  if (!endpoint.empty()) {
    auto status = check_allow_http(*resolved, endpoint, "GCS endpoint");
    if (!status) return std::move(status).error();
    auto endpoint_url = parse_url(endpoint);
    if (!endpoint_url) return std::move(endpoint_url).error();
    if (endpoint_url->scheme != "http" && endpoint_url->scheme != "https") {
      return make_error(ErrorCode::kInvalidArgument, "GCS endpoint must start with http:// or https://");
    }
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    config.endpoint = endpoint;
  }
  return config;
}

}  // namespace tdump::store
