#include "store/client_options.hpp"

#include <array>

#include "store/common/url.hpp"

namespace tdump::store {
namespace {

// obstore's ClientConfigKey names; the supported ones map onto http::ClientConfig.
constexpr std::array kClientKeys = {
    OptionKey{"allow_http", {"aws_allow_http", "google_allow_http", "azure_allow_http"}},
    OptionKey{
        "allow_invalid_certificates",
        {"aws_allow_invalid_certificates", "google_allow_invalid_certificates", "azure_allow_invalid_certificates"}},
    OptionKey{"connect_timeout", {"aws_connect_timeout", "google_connect_timeout", "azure_connect_timeout"}},
    OptionKey{"timeout", {"aws_timeout", "google_timeout", "azure_timeout"}},
    OptionKey{"user_agent", {"aws_user_agent", "google_user_agent", "azure_user_agent"}},
    OptionKey{"http1_only", {"aws_http1_only", "google_http1_only", "azure_http1_only"}},
    OptionKey{"http2_only", {"aws_http2_only", "google_http2_only", "azure_http2_only"}, false},
    OptionKey{"default_content_type", {"aws_default_content_type"}, false},
    OptionKey{"http2_keep_alive_interval", {}, false},
    OptionKey{"http2_keep_alive_timeout", {}, false},
    OptionKey{"http2_keep_alive_while_idle", {}, false},
    OptionKey{"http2_max_frame_size", {}, false},
    OptionKey{"pool_idle_timeout", {}, false},
    OptionKey{"pool_max_idle_per_host", {}, false},
    OptionKey{"proxy_url", {}, false, true},
    OptionKey{"proxy_ca_certificate", {}, false},
    OptionKey{"proxy_excludes", {}, false},
    OptionKey{"randomize_addresses", {}, false},
};

bool is_client_key(std::string_view lowered) {
  for (const auto& key : kClientKeys) {
    if (key.name == lowered) return true;
    for (auto alias : key.aliases) {
      if (!alias.empty() && alias == lowered) return true;
    }
  }
  return false;
}

}  // namespace

std::span<const OptionKey> client_option_keys() {
  return kClientKeys;
}

Result<http::ClientConfig> client_config_from_options(const StoreOptions& options, http::ClientConfig base) {
  StoreOptions client_only;
  client_only.env = nullptr;
  for (const auto& [key, value] : options.values) {
    if (is_client_key(ascii_lower(key))) client_only.values.emplace(key, value);
  }
  std::array<std::span<const OptionKey>, 1> sets{client_option_keys()};
  auto resolved = resolve_options(client_only, sets, "", "remote");
  if (!resolved) return std::move(resolved).error();
  // A zero duration would switch libcurl's limit off (a stalled server would hold a request
  // forever), so it is refused rather than read as "no timeout".
  for (auto [name, target] :
       {std::pair{"timeout", &base.timeout}, std::pair{"connect_timeout", &base.connect_timeout}}) {
    auto value = resolved->duration(name);
    if (!value) return std::move(value).error();
    if (!*value) continue;
    if (**value <= std::chrono::milliseconds(0)) {
      return bad_option_value(*resolved->find(name), name,
                              "a positive duration of at least 1ms (0 would switch the limit off; there is no \"no "
                              "timeout\")");
    }
    *target = **value;
  }
  auto invalid_certs = resolved->boolean("allow_invalid_certificates", !base.verify_tls);
  if (!invalid_certs) return std::move(invalid_certs).error();
  base.verify_tls = !*invalid_certs;
  auto http1 = resolved->boolean("http1_only", !base.http2);
  if (!http1) return std::move(http1).error();
  base.http2 = !*http1;
  if (auto agent = resolved->text("user_agent")) base.user_agent = *agent;
  auto allow_http = resolved->boolean("allow_http");  // validated here, applied by the stores
  if (!allow_http) return std::move(allow_http).error();
  return base;
}

Status check_allow_http(const ResolvedOptions& resolved, std::string_view endpoint, std::string_view what) {
  if (ascii_lower(endpoint.substr(0, 7)) != "http://") return {};
  auto allow = resolved.boolean("allow_http", false);
  if (!allow) return std::move(allow).error();
  if (*allow) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    std::string(what) + " '" + std::string(endpoint) +
                        "' uses plain http, which is refused unless the option allow_http is true");
}

}  // namespace tdump::store
