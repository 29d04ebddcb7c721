#include "http/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace tdump::http {

bool is_retryable_status(int status) noexcept {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

bool is_retryable_curl_code(CURLcode code) noexcept {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:  // body shorter than Content-Length
    case CURLE_GOT_NOTHING:   // connection closed before any response byte
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:  // includes "connection reset by peer"
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:  // handshake cut short; verification failures have their own codes
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds backoff_ceiling(const RetryConfig& config, std::uint32_t retry_index) noexcept {
  const double init = static_cast<double>(config.init_backoff.count());
  const double cap = static_cast<double>(config.max_backoff.count());
  // pow() overflows to inf for large exponents, which min() then clamps to the cap.
  const double grown = init * std::pow(std::max(config.base, 1.0), static_cast<double>(retry_index));
  const double ceiling = std::clamp(grown, 0.0, std::max(cap, 0.0));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling));
}

std::chrono::milliseconds full_jitter_backoff(const RetryConfig& config, std::uint32_t retry_index,
                                              std::mt19937_64& rng) {
  const auto ceiling = backoff_ceiling(config, retry_index).count();
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> draw(0, ceiling);
  return std::chrono::milliseconds(draw(rng));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  // Bound before converting: anything over a day is as good as "longer than any budget".
  constexpr std::int64_t kMaxSeconds = 86'400;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = kMaxSeconds;
    if (value.size() <= 6) std::from_chars(value.data(), value.data() + value.size(), seconds);
    return std::chrono::milliseconds(std::min(seconds, kMaxSeconds) * 1000);
  }
  // curl_getdate() understands the three date formats RFC 9110 requires recipients to accept.
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  // The same bound for a date, before it becomes a time_point: one centuries ahead would
  // overflow system_clock's nanoseconds (fuzz/timestamps found "30120100").
  const std::int64_t now_seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (static_cast<std::int64_t>(when) >= now_seconds + kMaxSeconds)
    return std::chrono::milliseconds(kMaxSeconds * 1000);
  if (static_cast<std::int64_t>(when) <= now_seconds - kMaxSeconds) return std::chrono::milliseconds(0);
  const auto delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::from_time_t(when) - now);
  return std::max(delay, std::chrono::milliseconds(0));
}

RetryDecision decide_retry(const RetryConfig& config, std::uint32_t retries_done, std::chrono::milliseconds elapsed,
                           std::optional<std::chrono::milliseconds> retry_after, std::mt19937_64& rng) {
  RetryDecision decision;
  if (retries_done >= config.max_retries) return decision;
  decision.delay = retry_after ? *retry_after : full_jitter_backoff(config, retries_done, rng);
  if (elapsed + decision.delay > config.retry_timeout) {
    decision.budget_exhausted = true;
    return decision;
  }
  decision.retry = true;
  return decision;
}

}  // namespace tdump::http
