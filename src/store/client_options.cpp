#include "store/client_options.hpp"

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "store/common/url.hpp"

namespace tdump::store {
namespace {

// Each client key under its obstore name and with the store prefixes obstore accepts (it strips
// "aws_", "google_" or "azure_" before reading a client key). `supported` false: accepted,
// warned about and without effect (docs/store.md "Differences from obstore" says why).
#define TDUMP_CLIENT_KEY(name, ...)                                 \
  OptionKey {                                                       \
    name, {"aws_" name, "google_" name, "azure_" name}, __VA_ARGS__ \
  }
constexpr std::array kClientKeys = {
    TDUMP_CLIENT_KEY("allow_http", true),
    TDUMP_CLIENT_KEY("allow_invalid_certificates", true),
    TDUMP_CLIENT_KEY("no_system_certificates", true),
    TDUMP_CLIENT_KEY("connect_timeout", true),
    TDUMP_CLIENT_KEY("timeout", true),
    TDUMP_CLIENT_KEY("read_timeout", true),
    TDUMP_CLIENT_KEY("user_agent", true),
    TDUMP_CLIENT_KEY("http1_only", true),
    TDUMP_CLIENT_KEY("proxy_url", true, true),  // may carry user:password
    TDUMP_CLIENT_KEY("proxy_ca_certificate", true),
    TDUMP_CLIENT_KEY("proxy_excludes", true),
    TDUMP_CLIENT_KEY("pool_idle_timeout", true),
    TDUMP_CLIENT_KEY("root_certificate", true),  // ours: obstore has only with_root_certificate()
    TDUMP_CLIENT_KEY("http2_only", false),
    TDUMP_CLIENT_KEY("default_content_type", false),
    TDUMP_CLIENT_KEY("http2_keep_alive_interval", false),
    TDUMP_CLIENT_KEY("http2_keep_alive_timeout", false),
    TDUMP_CLIENT_KEY("http2_keep_alive_while_idle", false),
    TDUMP_CLIENT_KEY("http2_max_frame_size", false),
    TDUMP_CLIENT_KEY("pool_max_idle_per_host", false),
    TDUMP_CLIENT_KEY("randomize_addresses", false),
};
#undef TDUMP_CLIENT_KEY

bool is_client_key(std::string_view lowered) {
  for (const auto& key : kClientKeys) {
    if (key.name == lowered) return true;
    for (auto alias : key.aliases) {
      if (!alias.empty() && alias == lowered) return true;
    }
  }
  return false;
}

constexpr std::uintmax_t kMaxPemBytes = 1U << 20;

// PEM text as given, or the path of a PEM file (checked now, so a typo fails at start-up).
// Exactly one of `file` / `pem` is set.
Status pem_or_file(const OptionValue& value, std::string_view name, std::string& file, std::string& pem) {
  if (value.value.find("-----BEGIN") != std::string::npos) {
    if (value.value.size() > kMaxPemBytes) return bad_option_value(value, name, "PEM text of at most 1 MiB");
    pem = value.value;
    return {};
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(value.value, ec);
  if (ec || size > kMaxPemBytes) {
    return bad_option_value(value, name,
                            "PEM text (-----BEGIN CERTIFICATE-----...) or a readable PEM file of at most 1 MiB");
  }
  std::ifstream in(value.value, std::ios::binary);
  std::string head(64, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.find("-----BEGIN") == std::string::npos) {
    return bad_option_value(value, name, "a PEM file (it must start with -----BEGIN CERTIFICATE-----)");
  }
  file = value.value;
  return {};
}

}  // namespace

std::span<const OptionKey> client_option_keys() {
  return kClientKeys;
}

std::string_view env_prefix_of_url(std::string_view url) {
  auto kind = store_kind_of_url(url);
  if (!kind) return {};
  if (*kind == "s3") return "aws_";
  if (*kind == "gs") return "google_";
  if (*kind == "az") return "azure_";
  return {};
}

Result<http::ClientConfig> client_config_from_options(const StoreOptions& options, http::ClientConfig base,
                                                      std::string_view url) {
  StoreOptions client_only;
  client_only.env = nullptr;
  for (const auto& [key, value] : options.values) {
    if (is_client_key(ascii_lower(key))) client_only.values.emplace(key, value);
  }
  const std::string_view prefix = url.empty() ? std::string_view{} : env_prefix_of_url(url);
  if (!prefix.empty()) client_only.env = options.env;  // AWS_PROXY_URL, GOOGLE_TIMEOUT, ...
  std::array<std::span<const OptionKey>, 1> sets{client_option_keys()};
  auto resolved = resolve_options(client_only, sets, prefix, "remote");
  if (!resolved) return std::move(resolved).error();
  // A zero duration would switch libcurl's limit off (a stalled server would hold a request
  // forever), so it is refused rather than read as "no timeout".
  std::optional<std::chrono::milliseconds> read_timeout;
  std::optional<std::chrono::milliseconds> pool_idle;
  for (auto [name, target] : {std::pair{"timeout", &base.timeout}, std::pair{"connect_timeout", &base.connect_timeout},
                              std::pair<const char*, std::chrono::milliseconds*>{"read_timeout", nullptr},
                              std::pair<const char*, std::chrono::milliseconds*>{"pool_idle_timeout", nullptr}}) {
    auto value = resolved->duration(name);
    if (!value) return std::move(value).error();
    if (!*value) continue;
    if (**value <= std::chrono::milliseconds(0)) {
      return bad_option_value(*resolved->find(name), name,
                              "a positive duration of at least 1ms (0 would switch the limit off; there is no \"no "
                              "timeout\")");
    }
    if (target != nullptr) {
      *target = **value;
    } else if (std::string_view(name) == "read_timeout") {
      read_timeout = **value;
    } else {
      pool_idle = **value;
    }
  }
  // read_timeout: an attempt that receives nothing for this long fails. libcurl measures it as a
  // transfer below 1 byte/s for whole seconds, so it is rounded up to the next second.
  auto whole_seconds = [](std::chrono::milliseconds ms) {
    return std::chrono::seconds(std::max<std::int64_t>(1, (ms.count() + 999) / 1000));
  };
  if (read_timeout) {
    base.low_speed_bytes = 1;
    base.low_speed_time = whole_seconds(*read_timeout);
  }
  if (pool_idle) base.max_idle_connection_age = whole_seconds(*pool_idle);

  auto invalid_certs = resolved->boolean("allow_invalid_certificates", !base.verify_tls);
  if (!invalid_certs) return std::move(invalid_certs).error();
  base.verify_tls = !*invalid_certs;
  auto no_system = resolved->boolean("no_system_certificates", !base.system_ca);
  if (!no_system) return std::move(no_system).error();
  base.system_ca = !*no_system;
  if (const auto* root = resolved->find("root_certificate")) {
    auto status = pem_or_file(*root, "root_certificate", base.ca_file, base.ca_pem);
    if (!status) return std::move(status).error();
  }
  auto http1 = resolved->boolean("http1_only", !base.http2);
  if (!http1) return std::move(http1).error();
  base.http2 = !*http1;
  if (auto agent = resolved->text("user_agent")) base.user_agent = *agent;

  if (const auto* proxy = resolved->find("proxy_url")) {
    auto parsed = parse_url(proxy->value);
    if (!parsed ||
        (parsed->scheme != "http" && parsed->scheme != "https" && parsed->scheme != "socks5" &&
         parsed->scheme != "socks5h") ||
        parsed->host.empty()) {
      return bad_option_value(*proxy, "proxy_url", "a proxy URL such as http://proxy.example:3128");
    }
    base.proxy = proxy->value;
  }
  const auto* excludes = resolved->find("proxy_excludes");
  const auto* proxy_ca = resolved->find("proxy_ca_certificate");
  // Without proxy_url both only apply to the proxy obstore would not use either: accepted, no effect.
  if (base.proxy.empty()) {
    excludes = nullptr;
    proxy_ca = nullptr;
  }
  if (excludes != nullptr) {
    // obstore's list is comma-separated; libcurl's NOPROXY reads the same list (hosts, domains,
    // IP addresses and CIDR ranges), with any spaces around the commas removed here.
    std::string list;
    std::string_view rest = excludes->value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) {
        if (!list.empty()) list += ',';
        list += item;
      }
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    base.no_proxy = list;
  }
  if (proxy_ca != nullptr) {
    auto status = pem_or_file(*proxy_ca, "proxy_ca_certificate", base.proxy_ca_file, base.proxy_ca_pem);
    if (!status) return std::move(status).error();
  }
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
