#pragma once
// Retry decisions of the engine, kept free of I/O so they can be unit-tested:
// which outcomes are worth another attempt, how long to wait, and when the budget is spent.
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "http/engine.hpp"

namespace tdump::http {

// 408, 429, 500, 502, 503 (S3's SlowDown among them), 504.
[[nodiscard]] bool is_retryable_status(int status) noexcept;

// Transport failures that another attempt may cure: refused/reset connections, timeouts,
// truncated bodies, HTTP/2 stream errors, DNS hiccups. Not: malformed URLs, TLS verification.
[[nodiscard]] bool is_retryable_curl_code(CURLcode code) noexcept;

// The upper bound of the sleep before retry number `retry_index` (0 for the first retry):
// min(max_backoff, init_backoff * base^retry_index).
[[nodiscard]] std::chrono::milliseconds backoff_ceiling(const RetryConfig& config, std::uint32_t retry_index) noexcept;

// "Full jitter": a uniform draw in [0, backoff_ceiling]. Spreading retries over the whole
// window keeps thousands of clients that failed together from retrying together.
[[nodiscard]] std::chrono::milliseconds full_jitter_backoff(const RetryConfig& config, std::uint32_t retry_index,
                                                            std::mt19937_64& rng);

// Retry-After is either delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"),
// RFC 9110 §10.2.3. A date in the past means "now" (0). nullopt when the value is neither.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                                         std::chrono::system_clock::time_point now);

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  bool budget_exhausted = false;  // gave up because of retry_timeout (not max_retries)
};

// Whether to make another attempt after `retries_done` retries, `elapsed` since the first attempt
// started. The sleep is Retry-After when the server sent one, the jittered backoff otherwise; a
// retry whose sleep would end past `retry_timeout` is not made.
[[nodiscard]] RetryDecision decide_retry(const RetryConfig& config, std::uint32_t retries_done,
                                         std::chrono::milliseconds elapsed,
                                         std::optional<std::chrono::milliseconds> retry_after, std::mt19937_64& rng);

}  // namespace tdump::http
