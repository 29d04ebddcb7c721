#include "store/gcs/gcs_options.hpp"

#include <array>
#include <ctime>
#include <fstream>
#include <sstream>

#include "store/client_options.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

// obstore's GoogleConfigKey, plus two extensions: bearer_token (a ready OAuth token) and
// endpoint (another JSON API server, e.g. a test server).
constexpr std::array kGcsKeys = {
    OptionKey{"service_account", {"google_service_account", "service_account_path", "google_service_account_path"}},
    OptionKey{"service_account_key", {"google_service_account_key"}, true, true},
    OptionKey{"application_credentials", {"google_application_credentials"}},
    OptionKey{"bucket", {"google_bucket", "google_bucket_name", "bucket_name"}, true, false, false},
    OptionKey{"skip_signature", {"google_skip_signature"}},
    OptionKey{"bearer_token", {"google_bearer_token", "token"}, true, true},
    OptionKey{"endpoint", {"google_endpoint", "google_storage_endpoint"}},
};

Result<std::string> read_credentials_file(const std::string& path, const std::string& source) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot read the Google credentials file '" + path + "' (from " + source + ")");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.size() > (1U << 20)) {
    return make_error(ErrorCode::kLimit, "Google credentials file '" + path + "' is larger than 1 MiB");
  }
  return text;
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

  auto skip = resolved->boolean("skip_signature", false);
  if (!skip) return std::move(skip).error();
  if (!*skip) {
    // Options win over the environment; within each, this order.
    static constexpr std::array<std::string_view, 4> kOrder = {"bearer_token", "service_account_key", "service_account",
                                                               "application_credentials"};
    const auto [chosen, chosen_key] = resolved->first_present(kOrder);
    std::string json;
    if (chosen == nullptr) {
      // gcloud's application-default credentials, as the Google SDKs look for them last.
      std::string home = options.home;
      if (home.empty() && options.env) home = options.env("HOME").value_or("");
      std::string adc = home + "/.config/gcloud/application_default_credentials.json";
      if (!home.empty() && std::ifstream(adc).good()) {
        auto text = read_credentials_file(adc, "gcloud application default credentials");
        if (!text) return std::move(text).error();
        json = std::move(*text);
        config.credentials_source = "file " + adc;
      } else {
        return make_error(ErrorCode::kPermissionDenied,
                          "no GCS credentials found: looked for the options bearer_token, service_account_key, "
                          "service_account (a key file path) and application_credentials, the environment "
                          "variables GOOGLE_SERVICE_ACCOUNT / GOOGLE_SERVICE_ACCOUNT_PATH / "
                          "GOOGLE_SERVICE_ACCOUNT_KEY / GOOGLE_APPLICATION_CREDENTIALS, and "
                          "~/.config/gcloud/application_default_credentials.json. For a public bucket set "
                          "skip_signature=true. Instance metadata credentials are not supported.");
      }
    } else if (chosen_key == "bearer_token") {
      config.auth = GcsConfig::Auth::kBearerToken;
      config.bearer_token = chosen->value;
      config.credentials_source = chosen->source;
    } else if (chosen_key == "service_account_key") {
      json = chosen->value;
      config.credentials_source = chosen->source;
    } else {
      auto text = read_credentials_file(chosen->value, chosen->source);
      if (!text) return std::move(text).error();
      json = std::move(*text);
      config.credentials_source = chosen->source + " (" + chosen->value + ")";
    }
    if (config.auth != GcsConfig::Auth::kBearerToken) {
      auto credentials = parse_google_credentials(json, config.credentials_source);
      if (!credentials) return std::move(credentials).error();
      config.credentials = std::move(*credentials);
      config.auth = GcsConfig::Auth::kOAuth;
      if (config.credentials.type == "service_account") {  // a bad key fails now, not on the first read
        auto probe = make_service_account_jwt(config.credentials, std::time(nullptr), config.scope);
        if (!probe) return std::move(probe).error();
      }
      auto status = check_allow_http(*resolved, config.credentials.token_uri, "OAuth token_uri");
      if (!status) return std::move(status).error();
    }
  }

  std::string endpoint;
  if (auto e = resolved->text("endpoint")) {
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
