#include "store/common/time_format.hpp"

#include <array>
#include <cstdio>

namespace tdump::store {
namespace {

constexpr std::array<const char*, 7> kWeekdays = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 = Thu
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool valid_clock(int hour, int minute, int second) {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60;
}

struct Broken {
  Civil date;
  int hour, minute, second;
};

Broken broken_down(std::time_t seconds) {
  std::int64_t s = seconds;
  std::int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  auto rem = static_cast<int>(s - days * 86400);
  return {civil_from_days(days), rem / 3600, rem / 60 % 60, rem % 60};
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> parse_iso8601_us(std::string_view text) {
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || !valid_clock(*hour, *minute, *second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int scale = 100000;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 0) {
        micros += static_cast<std::int64_t>(text[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    auto oh = digits(text, pos + 1, 2);
    auto om = digits(text, pos + 4, 2);
    if (!oh || !om || text[pos + 3] != ':') return std::nullopt;
    offset_seconds = (std::int64_t{*oh} * 3600 + std::int64_t{*om} * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;  // no zone: refuse to guess
  }
  if (pos != text.size()) return std::nullopt;
  std::int64_t days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  std::int64_t seconds =
      days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second - offset_seconds;
  return seconds * 1'000'000 + micros;
}

std::optional<std::int64_t> parse_rfc1123_us(std::string_view text) {
  // "Tue, 24 Nov 2026 07:51:55 GMT"
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto day = digits(text, 5, 2);
  auto year = digits(text, 12, 4);
  auto hour = digits(text, 17, 2);
  auto minute = digits(text, 20, 2);
  auto second = digits(text, 23, 2);
  if (!day || !year || !hour || !minute || !second || !valid_clock(*hour, *minute, *second)) return std::nullopt;
  unsigned month = 0;
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  if (month == 0 || *day < 1 || *day > 31) return std::nullopt;
  std::int64_t days = days_from_civil(*year, month, static_cast<unsigned>(*day));
  return (days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second) * 1'000'000;
}

std::string format_rfc1123(std::time_t seconds) {
  Broken b = broken_down(seconds);
  std::int64_t days = days_from_civil(b.date.year, b.date.month, b.date.day);
  auto weekday = static_cast<std::size_t>(((days % 7) + 7) % 7);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02d:%02d:%02d GMT", kWeekdays[weekday], b.date.day,
                kMonths[b.date.month - 1], static_cast<long long>(b.date.year), b.hour, b.minute, b.second);
  return buf;
}

std::string format_amz_date(std::time_t seconds) {
  Broken b = broken_down(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02uT%02d%02d%02dZ", static_cast<long long>(b.date.year), b.date.month,
                b.date.day, b.hour, b.minute, b.second);
  return buf;
}

std::string format_iso8601(std::time_t seconds) {
  Broken b = broken_down(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(b.date.year), b.date.month,
                b.date.day, b.hour, b.minute, b.second);
  return buf;
}

namespace {

// The current time formatted by `Format`, re-formatted at most once a second per thread (every
// signed request needs it).
template <std::string (*Format)(std::time_t)>
const std::string& formatted_now() {
  thread_local std::time_t cached = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != cached) {
    cached = now;
    text = Format(now);
  }
  return text;
}

}  // namespace

const std::string& amz_date_now() {
  return formatted_now<format_amz_date>();
}

const std::string& rfc1123_now() {
  return formatted_now<format_rfc1123>();
}

}  // namespace tdump::store
