#pragma once
// The request engine: event loops that keep thousands of requests in flight (libcurl-multi, and
// their own HTTP/1.1 client for plain-http GETs: ClientConfig::own_http1, docs/http.md).
// CONTRACT shared by src/store and src/dump; the implementation is in src/http/.
//
// - submit() is thread-safe and never runs the callback inline: callbacks run later on one of
//   the engine's loop threads (one per `ClientConfig::loops`), so a callback may submit again.
//   (Once shutdown() has returned no loop is left: submit() then fails the request with
//   kCancelled on the caller's thread.) Details and the full outcome table: docs/http.md.
// - Any HTTP status is a Response (404 included); the engine has already retried the retryable
//   ones (408, 429, 500, 502, 503, 504) and transport failures with backoff + full jitter,
//   honouring Retry-After. An Error comes back only when no usable response arrived after the
//   retry budget (kNetwork, with attempts and a credential-free URL in the message).
// - Requests are signed by the caller before submit and retried verbatim (a signature stays
//   valid for 15 minutes, longer than the 3-minute default retry budget).
// - Redirects are never followed: a 3xx is a Response with its `location` header, so no header
//   (Authorization, security tokens) ever goes to a host the caller did not choose. A store that
//   wants to follow one resolves it with http/redirect.hpp (resolve_redirect: the absolute target
//   and whether it is the same origin) and decides.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tdump::http {

struct HeaderField {
  std::string name;
  std::string value;
};

struct Request {
  std::string method = "GET";
  std::string url;                   // fully encoded; may carry secrets (a SAS query): never logged as is
  std::vector<HeaderField> headers;  // may carry secrets (Authorization): never logged
  std::string body;
  // Stop reading the body after this many bytes (0 = unlimited) and report `body_capped`:
  // protects a header fetch from a server that ignores Range and sends a whole 2 GB file.
  std::size_t max_body_bytes = 0;
  // What errors and logs show instead of `url`; the engine strips the query when empty.
  std::string display_url;
};

struct Response {
  int status = 0;
  std::vector<HeaderField> headers;  // names lower-cased
  std::string body;
  bool body_capped = false;
  std::uint32_t attempts = 1;
  std::string effective_url;  // the request's display URL (credential-free); redirects are never followed
  // Protocol of the final attempt: 10, 11, 20 or 30 (HTTP/1.0 ... HTTP/3); 0 when unknown.
  int http_version = 0;

  // Case-insensitive header lookup; the first match.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

struct RetryConfig {
  std::uint32_t max_retries = 10;
  std::chrono::milliseconds init_backoff{100};
  std::chrono::milliseconds max_backoff{15'000};
  double base = 2.0;
  std::chrono::milliseconds retry_timeout{180'000};  // total time spent retrying one request
};

struct ClientConfig {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{30'000};  // whole attempt
  // Abort an attempt whose response has not started (no status line) this long after it was
  // started; 0: only `timeout` applies. Catches a server that accepts and then says nothing.
  std::chrono::milliseconds first_byte_timeout{0};
  // Abort an attempt that moves fewer than low_speed_bytes per second for low_speed_time.
  std::uint32_t low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{30};
  std::uint32_t max_connections_per_host = 0;  // 0: chosen from the concurrency
  std::uint32_t max_total_connections = 0;     // 0: unlimited
  bool http2 = true;                           // negotiated when the server offers it (TLS ALPN)
  bool verify_tls = true;
  // Extra trusted roots for servers: a PEM file (CURLOPT_CAINFO) or PEM text (CURLOPT_CAINFO_BLOB);
  // libcurl's CA directory (the system's, /etc/ssl/certs on Debian) is still trusted unless
  // system_ca is false.
  std::string ca_file;
  std::string ca_pem;
  bool system_ca = true;
  // Every request goes through this proxy (CURLOPT_PROXY, e.g. "http://proxy:3128"; it may carry
  // user:password, so it is never logged); empty: libcurl's own rules (the http_proxy /
  // https_proxy / no_proxy environment variables). `no_proxy`: hosts that bypass it, a comma
  // list as CURLOPT_NOPROXY reads it. The proxy's own certificate (an https:// proxy) is checked
  // against proxy_ca_file / proxy_ca_pem when set.
  std::string proxy;
  std::string no_proxy;
  std::string proxy_ca_file;
  std::string proxy_ca_pem;
  // An idle pooled connection older than this is not reused (CURLOPT_MAXAGE_CONN); 0: libcurl's.
  std::chrono::seconds max_idle_connection_age{0};
  std::string user_agent = "tiff-dumper/" TDUMP_VERSION;
  std::uint32_t loops = 1;  // event-loop threads
  // libcurl's receive buffer per pooled handle. Larger than a 16 KiB range plus its headers, so
  // a header fetch is read with one recv() instead of two (libcurl's default is 16 KiB).
  std::uint32_t receive_buffer_bytes = 32 * 1024;
  // Raise glibc's trim threshold for the process (http/allocator_tuning.hpp): a body allocated
  // and freed per request otherwise makes glibc return and re-fault pages all the time.
  bool tune_allocator = true;
  // Plain-http GETs go through the loop's own HTTP/1.1 path (http/plain_http.hpp) instead of
  // libcurl, unless a proxy applies or connection limits are set. Everything else is libcurl's.
  bool own_http1 = true;
  RetryConfig retry;
};

struct EngineStats {
  std::uint64_t requests = 0;  // completed (final) requests
  std::uint64_t attempts = 0;  // including retries
  std::uint64_t retries = 0;
  std::uint64_t failures = 0;  // requests that ended in an Error
  std::uint64_t bytes_received = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t connections_opened = 0;  // new TCP/TLS connections (the rest reused keep-alive ones)
  std::uint64_t easy_handles = 0;        // pooled curl handles created (each is reused)
};

class Engine {
 public:
  using Callback = std::function<void(Result<Response>)>;

  static Result<std::unique_ptr<Engine>> create(const ClientConfig& config);
  virtual ~Engine() = default;

  virtual void submit(Request request, Callback callback) = 0;
  // Blocking convenience for control-plane calls (a listing page, a token). Must not be
  // called from a loop thread.
  virtual Result<Response> execute(Request request) = 0;
  [[nodiscard]] virtual EngineStats stats() const = 0;
  // Thread-safe, takes effect at once and for good: requests waiting for a retry fail now with
  // kCancelled, and an attempt that ends in a retryable failure from now on fails with
  // kCancelled instead of being retried. Attempts in flight go on to their own end, and new
  // requests still get their first attempt. For a run that is stopping (first SIGINT/SIGTERM):
  // what is in flight may finish, nothing waits out a retry budget.
  virtual void stop_retrying() = 0;
  // Stops accepting work, fails what is queued with kCancelled, joins the loop threads.
  virtual void shutdown() = 0;
};

}  // namespace tdump::http
