// Retry policy against its definitions: the full-jitter formula, RFC 9110's Retry-After forms,
// and the status/transport classification the engine contract lists.
#include "http/retry_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace tdump::http {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CeilingGrowsGeometricallyUpToTheCap) {
  RetryConfig config;  // obstore's defaults: 100 ms, base 2, cap 15 s
  EXPECT_EQ(backoff_ceiling(config, 0), milliseconds(100));
  EXPECT_EQ(backoff_ceiling(config, 1), milliseconds(200));
  EXPECT_EQ(backoff_ceiling(config, 2), milliseconds(400));
  EXPECT_EQ(backoff_ceiling(config, 7), milliseconds(12'800));
  EXPECT_EQ(backoff_ceiling(config, 8), milliseconds(15'000));
  EXPECT_EQ(backoff_ceiling(config, 5000), milliseconds(15'000));  // no overflow
}

TEST(Backoff, OtherBase) {
  RetryConfig config;
  config.init_backoff = milliseconds(10);
  config.base = 3.0;
  config.max_backoff = milliseconds(1000);
  EXPECT_EQ(backoff_ceiling(config, 0), milliseconds(10));
  EXPECT_EQ(backoff_ceiling(config, 2), milliseconds(90));
  EXPECT_EQ(backoff_ceiling(config, 5), milliseconds(1000));
}

TEST(Backoff, FullJitterCoversZeroToCeiling) {
  RetryConfig config;
  std::mt19937_64 rng(42);
  for (std::uint32_t n : {0U, 3U, 10U}) {
    const auto ceiling = backoff_ceiling(config, n);
    milliseconds low = ceiling;
    milliseconds high{0};
    double sum = 0;
    constexpr int kDraws = 20'000;
    for (int i = 0; i < kDraws; ++i) {
      const auto delay = full_jitter_backoff(config, n, rng);
      ASSERT_GE(delay.count(), 0);
      ASSERT_LE(delay, ceiling);
      low = std::min(low, delay);
      high = std::max(high, delay);
      sum += static_cast<double>(delay.count());
    }
    // Uniform on [0, ceiling]: the extremes are reached and the mean is half the ceiling.
    EXPECT_LT(low.count(), ceiling.count() / 50 + 1);
    EXPECT_GT(high.count(), ceiling.count() * 49 / 50);
    EXPECT_NEAR(sum / kDraws, static_cast<double>(ceiling.count()) / 2, static_cast<double>(ceiling.count()) * 0.02);
  }
}

TEST(Backoff, ZeroBackoffIsZero) {
  RetryConfig config;
  config.init_backoff = milliseconds(0);
  std::mt19937_64 rng(1);
  EXPECT_EQ(full_jitter_backoff(config, 3, rng), milliseconds(0));
}

TEST(RetryAfter, DelaySeconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120'000));
  EXPECT_EQ(parse_retry_after("0", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after(" 5 ", now), milliseconds(5'000));
  // Absurd values are bounded (to a day), not overflowed.
  EXPECT_EQ(parse_retry_after("99999999999999999999", now), milliseconds(86'400'000));
}

TEST(RetryAfter, HttpDatesInAllThreeFormats) {
  // RFC 9110 §5.6.7: IMF-fixdate, obsolete RFC 850 and asctime forms of the same instant.
  const auto instant = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  const auto now = instant - std::chrono::seconds(30);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:00 2015", now), milliseconds(30'000));
  // A date already past means "retry now".
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", instant + std::chrono::hours(1)), milliseconds(0));
}

TEST(RetryAfter, DatesFarAheadOrBehindAreBoundedNotOverflowed) {
  // Found by fuzz/timestamps: curl_getdate() reads "30120100" as 3012-01-00, whose nanoseconds
  // since the epoch do not fit system_clock (signed overflow, undefined behaviour).
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  EXPECT_EQ(parse_retry_after("30120100", now), milliseconds(86'400'000));
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), milliseconds(86'400'000));
  EXPECT_EQ(parse_retry_after("Sat, 01 Jan 1600 00:00:00 GMT", now), milliseconds(0));
  // Within a day either side, the exact delay (or now).
  EXPECT_EQ(parse_retry_after("Thu, 22 Oct 2015 07:27:59 GMT", now), milliseconds(86'399'000));
  EXPECT_EQ(parse_retry_after("Tue, 20 Oct 2015 07:28:01 GMT", now), milliseconds(0));
}

TEST(RetryAfter, GarbageIsIgnored) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("1.5", now));
}

TEST(Classification, RetryableStatuses) {
  for (int status : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(status)) << status;
  for (int status : {200, 206, 301, 400, 401, 403, 404, 409, 416, 501, 505}) {
    EXPECT_FALSE(is_retryable_status(status)) << status;
  }
}

TEST(Classification, RetryableTransportErrors) {
  for (CURLcode code : {CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR,
                        CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2_STREAM}) {
    EXPECT_TRUE(is_retryable_curl_code(code)) << code;
  }
  for (CURLcode code : {CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_PEER_FAILED_VERIFICATION,
                        CURLE_SSL_CACERT_BADFILE, CURLE_TOO_MANY_REDIRECTS, CURLE_OUT_OF_MEMORY}) {
    EXPECT_FALSE(is_retryable_curl_code(code)) << code;
  }
}

TEST(Decide, StopsAtMaxRetries) {
  RetryConfig config;
  config.max_retries = 2;
  std::mt19937_64 rng(7);
  EXPECT_TRUE(decide_retry(config, 0, milliseconds(0), std::nullopt, rng).retry);
  EXPECT_TRUE(decide_retry(config, 1, milliseconds(0), std::nullopt, rng).retry);
  const auto last = decide_retry(config, 2, milliseconds(0), std::nullopt, rng);
  EXPECT_FALSE(last.retry);
  EXPECT_FALSE(last.budget_exhausted);
}

TEST(Decide, RetryAfterReplacesTheBackoff) {
  RetryConfig config;
  std::mt19937_64 rng(7);
  const auto decision = decide_retry(config, 0, milliseconds(0), milliseconds(7'000), rng);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(7'000));
}

TEST(Decide, NoRetryThatWouldEndPastTheBudget) {
  RetryConfig config;  // 180 s budget
  std::mt19937_64 rng(7);
  const auto late = decide_retry(config, 1, milliseconds(170'000), milliseconds(20'000), rng);
  EXPECT_FALSE(late.retry);
  EXPECT_TRUE(late.budget_exhausted);
  EXPECT_TRUE(decide_retry(config, 1, milliseconds(170'000), milliseconds(9'000), rng).retry);
  config.retry_timeout = milliseconds(0);
  config.init_backoff = milliseconds(0);
  EXPECT_TRUE(decide_retry(config, 0, milliseconds(0), std::nullopt, rng).retry);
  EXPECT_FALSE(decide_retry(config, 0, milliseconds(1), std::nullopt, rng).retry);
}

TEST(Decide, BackoffDrawnWithinTheCeilingForThatRetry) {
  RetryConfig config;
  std::mt19937_64 rng(9);
  for (std::uint32_t n = 0; n < 10; ++n) {
    const auto decision = decide_retry(config, n, milliseconds(0), std::nullopt, rng);
    ASSERT_TRUE(decision.retry);
    EXPECT_LE(decision.delay, backoff_ceiling(config, n));
  }
}

}  // namespace
}  // namespace tdump::http
