#pragma once
// obstore's HTTP client options (ClientConfigKey), shared by every remote store, and their
// mapping onto the engine's http::ClientConfig so the CLI can build the engine before a store.
#include <span>
#include <string_view>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/common/options.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

// The client keys (allow_http, timeout, connect_timeout, ...), each also accepted with an
// aws_/google_/azure_ prefix.
std::span<const OptionKey> client_option_keys();

// Applies the client options found in `options` to `base` (other keys are left for the store
// to check). Values: timeout / connect_timeout as durations ("30s", "500ms", plain seconds),
// allow_invalid_certificates and http1_only as booleans, user_agent as text. A zero timeout is
// refused (kInvalidArgument naming the option): it would switch the limit off.
Result<http::ClientConfig> client_config_from_options(const StoreOptions& options, http::ClientConfig base = {});

// Refuses a plain-http endpoint unless allow_http is true, as obstore does.
Status check_allow_http(const ResolvedOptions& resolved, std::string_view endpoint, std::string_view what);

}  // namespace tdump::store
