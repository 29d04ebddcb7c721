#pragma once
// Timestamps as the stores write them: ISO 8601 (S3, GCS), RFC 1123 (Azure, WebDAV), and the
// compact forms SigV4 signs. Our own civil-date arithmetic: no locale, no global state.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace tdump::store {

// "2024-05-01T12:34:56Z", "2024-05-01T12:34:56.789Z", "+02:00" offsets -> µs since the epoch.
std::optional<std::int64_t> parse_iso8601_us(std::string_view text);
// "Tue, 24 Nov 2026 07:51:55 GMT" -> µs since the epoch.
std::optional<std::int64_t> parse_rfc1123_us(std::string_view text);
// Seconds since the epoch -> "Tue, 24 Nov 2026 07:51:55 GMT".
std::string format_rfc1123(std::time_t seconds);
// Seconds since the epoch -> "20130524T000000Z" (x-amz-date); the first 8 chars are the date.
std::string format_amz_date(std::time_t seconds);
// Seconds since the epoch -> "2024-05-01T12:34:56Z".
std::string format_iso8601(std::time_t seconds);

// The current time in those formats, formatted at most once a second per thread (request
// signing asks for it on every request).
const std::string& amz_date_now();
const std::string& rfc1123_now();

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace tdump::store
