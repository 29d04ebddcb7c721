#include "store/common/options.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdlib>

#include "common/suggest.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// Milliseconds per unit word, or a negative value for an unknown unit.
double unit_millis(std::string_view unit) {
  if (unit.empty() || unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") {
    return 1000.0;
  }
  if (unit == "ms" || unit == "msec" || unit == "millis" || unit == "millisecond" || unit == "milliseconds") {
    return 1.0;
  }
  if (unit == "us" || unit == "usec" || unit == "micros" || unit == "microsecond" || unit == "microseconds") {
    return 0.001;
  }
  if (unit == "ns" || unit == "nsec" || unit == "nanos" || unit == "nanosecond" || unit == "nanoseconds") {
    return 0.000001;
  }
  if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes") return 60'000.0;
  if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") return 3'600'000.0;
  return -1.0;
}

}  // namespace

const OptionValue* ResolvedOptions::find(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

bool is_from_options(const OptionValue* value) {
  return value != nullptr && value->source.rfind("option", 0) == 0;
}

ResolvedOptions::Chosen ResolvedOptions::first_present(std::span<const std::string_view> names) const {
  for (const bool want_option : {true, false}) {
    for (const auto name : names) {
      const auto* value = find(name);
      if (value != nullptr && is_from_options(value) == want_option) return {value, name};
    }
  }
  return {};
}

std::optional<std::string> ResolvedOptions::text(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr) return std::nullopt;
  return v->value;
}

Result<std::optional<bool>> ResolvedOptions::boolean(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr) return std::optional<bool>{};
  auto parsed = parse_bool(v->value);
  if (!parsed) return bad_option_value(*v, name, "true or false");
  return std::optional<bool>{*parsed};
}

Result<bool> ResolvedOptions::boolean(std::string_view name, bool fallback) const {
  auto value = boolean(name);
  if (!value) return std::move(value).error();
  return value->value_or(fallback);
}

Result<std::optional<std::chrono::milliseconds>> ResolvedOptions::duration(std::string_view name) const {
  const auto* v = find(name);
  if (v == nullptr) return std::optional<std::chrono::milliseconds>{};
  auto parsed = parse_duration(v->value);
  if (!parsed) return bad_option_value(*v, name, "a duration such as 30s, 500ms, 2m, or plain seconds");
  return std::optional<std::chrono::milliseconds>{*parsed};
}

void ResolvedOptions::warn_ignored(std::string_view store_kind) const {
  for (const auto& key : ignored_) {
    std::string message = std::string(store_kind) + " store: option '" + key +
                          "' is an obstore option that tiff-dumper does not implement; ignored";
    if (warn_) {
      warn_(message);
    } else {
      spdlog::warn("{}", message);
    }
  }
}

Result<ResolvedOptions> resolve_options(const StoreOptions& options,
                                        std::span<const std::span<const OptionKey>> key_sets,
                                        std::string_view env_prefix, std::string_view store_kind) {
  ResolvedOptions out;
  out.warn_ = options.warn;
  std::vector<std::string_view> all_names;
  for (auto keys : key_sets) {
    for (const auto& key : keys) {
      all_names.push_back(key.name);
      for (auto alias : key.aliases) {
        if (!alias.empty()) all_names.push_back(alias);
      }
    }
  }
  for (const auto& [user_key, value] : options.values) {
    std::string wanted = ascii_lower(user_key);
    const OptionKey* match = nullptr;
    for (auto keys : key_sets) {
      for (const auto& key : keys) {
        if (key.name == wanted) match = &key;
        for (auto alias : key.aliases) {
          if (!alias.empty() && alias == wanted) match = &key;
        }
      }
    }
    if (match == nullptr) {
      return make_error(ErrorCode::kInvalidArgument, "unknown option '" + user_key + "' for a " +
                                                         std::string(store_kind) + " store" +
                                                         did_you_mean(wanted, all_names));
    }
    OptionValue entry{value, "option '" + user_key + "'", match->secret};
    auto [it, inserted] = out.values_.try_emplace(std::string(match->name), entry);
    if (!inserted && it->second.value != value) {
      return make_error(ErrorCode::kInvalidArgument, "options " + it->second.source.substr(7) + " and '" + user_key +
                                                         "' both set '" + std::string(match->name) +
                                                         "' to different values; give only one");
    }
    if (!match->supported) out.ignored_.push_back(user_key);
  }
  if (!env_prefix.empty() && options.env) {
    for (auto keys : key_sets) {
      for (const auto& key : keys) {
        if (!key.from_env || out.values_.count(key.name) != 0) continue;
        std::vector<std::string_view> spellings{key.name};
        for (auto alias : key.aliases) {
          if (!alias.empty()) spellings.push_back(alias);
        }
        for (auto spelling : spellings) {
          if (spelling.substr(0, env_prefix.size()) != env_prefix) continue;
          std::string var = upper(spelling);
          if (auto value = options.env(var); value && !value->empty()) {
            out.values_.emplace(std::string(key.name), OptionValue{*value, "environment variable " + var, key.secret});
            if (!key.supported) out.ignored_.push_back(var);
            break;
          }
        }
      }
    }
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string v = ascii_lower(trim(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string s = ascii_lower(trim(text));
  if (s.empty()) return std::nullopt;
  double total_ms = 0;
  std::size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos == s.size()) break;
    std::size_t start = pos;
    while (pos < s.size() && ((s[pos] >= '0' && s[pos] <= '9') || s[pos] == '.')) ++pos;
    if (pos == start) return std::nullopt;
    char* end = nullptr;
    std::string number = s.substr(start, pos - start);
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(value)) return std::nullopt;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    std::size_t unit_start = pos;
    while (pos < s.size() && s[pos] >= 'a' && s[pos] <= 'z') ++pos;
    double per = unit_millis(std::string_view(s).substr(unit_start, pos - unit_start));
    if (per < 0) return std::nullopt;
    total_ms += value * per;
  }
  if (total_ms < 0 || total_ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total_ms)));
}

Error bad_option_value(const OptionValue& value, std::string_view name, std::string_view expected) {
  std::string shown = value.secret ? "(hidden)" : "'" + value.value + "'";
  return make_error(ErrorCode::kInvalidArgument, "bad value " + shown + " for " + value.source + " (" +
                                                     std::string(name) + "): expected " + std::string(expected));
}

}  // namespace tdump::store
