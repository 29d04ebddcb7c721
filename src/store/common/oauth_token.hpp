#pragma once
// What every OAuth-style credential endpoint has in common (Google's token endpoint, STS and
// metadata server; Azure AD, IMDS and the App Service identity endpoint): a form-encoded POST or
// a GET, an answer that is a small JSON object carrying an access token and its lifetime, and
// errors that must never repeat what was sent (a client secret, a federated JWT, a refresh
// token) nor what came back (an error description may echo the request).
//
// Rules every fetcher here follows (docs/store.md "Credentials"):
// - requests go through http::Engine::submit (never execute: a fetch may start on a loop thread);
// - a 3xx answer is an error, never followed: a credential endpoint that redirects is refused;
// - bodies are capped (kCredentialBodyCap) before they are parsed;
// - messages name the endpoint (without its query), the HTTP status and at most the endpoint's
//   short error code (`invalid_client`, `AADSTS7000215`, `PERMISSION_DENIED`), nothing else.
#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/common/credential_provider.hpp"

namespace tdump::store {

// Credential answers are a few KiB (an Azure AD token is ~2-4 KiB); anything larger is refused.
inline constexpr std::size_t kCredentialBodyCap = std::size_t{64} * 1024;
// Access tokens longer than this are refused (they go into a header on every request).
inline constexpr std::size_t kMaxAccessTokenBytes = std::size_t{16} * 1024;

// "a=1&b=2", names and values percent-encoded (application/x-www-form-urlencoded).
std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

// `url` without its query and fragment, for messages.
std::string url_for_messages(std::string_view url);

// A request to a credential endpoint: display_url without the query, the body cap set.
http::Request credential_request(std::string method, std::string url);

// Submits `request` and calls `done` with the response when its status is 2xx, or with an error:
// the transport error (attempts included), a refused redirect, a capped body, or the status with
// the endpoint's short error code. `what` names the call for messages ("Azure AD token for
// client 0000-...").
void fetch_credential(http::Engine& engine, http::Request request, std::string what,
                      std::function<void(Result<http::Response>)> done);

// The short error code of an OAuth / Google / Azure AD error body, or "" when there is none
// that looks like a code (only [A-Za-z0-9_.-], at most 64 characters, is ever returned).
std::string safe_error_code(std::string_view body);

// Reads an access token and its expiry from a JSON answer. Names tried, in order:
//   token:  access_token, accessToken (IAM Credentials), token
//   expiry: expires_in (seconds, number or string), expires_on (Unix seconds, number or string:
//           Azure IMDS / App Service), expireTime (RFC 3339: IAM Credentials)
// Without any expiry field the token is taken to live `default_lifetime`. A token that is empty,
// too long or not a visible-ASCII string without spaces is refused (it goes into a header).
Result<Expiring<BearerCredential>> parse_bearer_json(std::string_view body, CredentialClock::time_point now,
                                                     std::string_view what,
                                                     std::chrono::seconds default_lifetime = std::chrono::hours(1));

// True for a non-empty, bounded run of visible ASCII without spaces (a token that can go into
// an Authorization header as is).
bool is_header_safe_token(std::string_view token);

// Replaces runs that look like secrets (24+ characters of base64/JWT alphabet) with "..." and cuts
// the text to `max_chars`: for a command's stderr line shown to the user.
std::string redact_secrets(std::string_view text, std::size_t max_chars);

}  // namespace tdump::store
