// libFuzzer target: the timestamps servers send, one value per input: ISO 8601 / RFC 3339
// (S3 LastModified, GCS updated, AWS credential Expiration) through parse_iso8601_us, RFC 1123
// (Last-Modified, Date, Azure and WebDAV dates) through parse_rfc1123_us
// (store/common/time_format.hpp), and Retry-After (delay-seconds or an HTTP-date) through
// parse_retry_after (http/retry_policy.hpp). Seeds are values taken from real answers
// (fuzz/make_seeds.py). What is parsed must format back to the same instant.
#include <chrono>

#include "common/fuzz_support.hpp"
#include "http/retry_policy.hpp"
#include "store/common/time_format.hpp"

namespace {

using tdump::fuzz::check;
using namespace tdump;

constexpr std::int64_t kUsPerSecond = 1'000'000;

std::int64_t floor_seconds(std::int64_t us) {
  return us >= 0 ? us / kUsPerSecond : -((-us + kUsPerSecond - 1) / kUsPerSecond);
}

// Years 1..9999: what the four-digit formats can write back.
bool formattable(std::int64_t us) {
  static const std::int64_t kFirst = store::days_from_civil(1, 1, 1) * 86'400;
  static const std::int64_t kLast = store::days_from_civil(9999, 12, 31) * 86'400 + 86'399;
  const std::int64_t seconds = floor_seconds(us);
  return seconds >= kFirst && seconds <= kLast;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::string_view value = tdump::fuzz::as_text(data, size);
  if (auto us = store::parse_iso8601_us(value); us && formattable(*us)) {
    const std::int64_t seconds = floor_seconds(*us);
    const auto again = store::parse_iso8601_us(store::format_iso8601(static_cast<std::time_t>(seconds)));
    check(again == seconds * kUsPerSecond, "an ISO 8601 time does not format back to the same second");
  }
  if (auto us = store::parse_rfc1123_us(value)) {
    check(*us % kUsPerSecond == 0, "an RFC 1123 time with a fraction of a second");
    if (formattable(*us)) {
      const auto again = store::parse_rfc1123_us(store::format_rfc1123(static_cast<std::time_t>(*us / kUsPerSecond)));
      check(again == us, "an RFC 1123 time does not format back to the same second");
    }
  }
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  if (auto delay = http::parse_retry_after(value, now)) {
    check(delay->count() >= 0 && *delay <= std::chrono::hours(24), "a Retry-After delay outside [0, 1 day]");
  }
  return 0;
}
