#pragma once
// obstore's HTTP client options (ClientConfigKey), shared by every remote store, and their
// mapping onto the engine's http::ClientConfig so the CLI can build the engine before a store.
// docs/store.md "Client options" lists each key, what it does here, and where we differ.
#include <span>
#include <string_view>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/common/options.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

// The client keys (allow_http, timeout, connect_timeout, proxy_url, ...), each also accepted
// with an aws_/google_/azure_ prefix, plus root_certificate (ours: obstore sets a root
// certificate only through its Rust API).
std::span<const OptionKey> client_option_keys();

// The environment prefix obstore reads a store's options from ("aws_" for S3, "google_" for
// GCS, "azure_" for Azure, "" for HTTP and local stores or a URL no store handles).
std::string_view env_prefix_of_url(std::string_view url);

// Applies the client options found in `options` to `base` (other keys are left for the store
// to check). When `url` names an S3 / GCS / Azure store, keys not given as options are read
// from the environment as obstore's from_env does: AWS_PROXY_URL, GOOGLE_TIMEOUT,
// AZURE_ALLOW_HTTP... Values: timeouts as durations ("30s", "500ms", plain seconds), booleans,
// proxy_url as a URL, proxy_excludes as a comma list, proxy_ca_certificate / root_certificate
// as PEM text or the path of a PEM file. A zero timeout is refused (kInvalidArgument naming the
// option): it would switch the limit off.
Result<http::ClientConfig> client_config_from_options(const StoreOptions& options, http::ClientConfig base = {},
                                                      std::string_view url = {});

// Refuses a plain-http endpoint unless allow_http is true, as obstore does.
Status check_allow_http(const ResolvedOptions& resolved, std::string_view endpoint, std::string_view what);

}  // namespace tdump::store
