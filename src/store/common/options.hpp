#pragma once
// Store options as obstore names them: each key has a canonical name, aliases (aws_/google_/
// azure_ spellings), and may also be read from an environment variable (AWS_REGION...).
// Resolution rejects unknown keys with a "did you mean", and value parsers name the key, the
// value (unless secret) and the rule on a bad value.
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

struct OptionKey {
  std::string_view name;                      // canonical (obstore's) name
  std::array<std::string_view, 8> aliases{};  // other accepted spellings ("" = unused slot)
  bool supported = true;                      // false: obstore knows it; we accept it, warn, and ignore it
  bool secret = false;                        // its value is never echoed
  bool from_env = true;                       // also read from the upper-cased prefixed aliases (AWS_REGION)
};

struct OptionValue {
  std::string value;
  std::string source;  // "option 'aws_region'" or "environment variable AWS_REGION"
  bool secret = false;
};

// True when the value was given as an option (not read from the environment).
bool is_from_options(const OptionValue* value);

class ResolvedOptions {
 public:
  // The value of a canonical key: from the options, else from the environment.
  [[nodiscard]] const OptionValue* find(std::string_view name) const;
  // The first of `names` that is set: any given as an option wins over any from the environment;
  // within each, `names` order. {nullptr, ""} when none is set.
  struct Chosen {
    const OptionValue* value = nullptr;
    std::string_view name;
  };
  [[nodiscard]] Chosen first_present(std::span<const std::string_view> names) const;
  [[nodiscard]] std::optional<std::string> text(std::string_view name) const;
  [[nodiscard]] Result<std::optional<bool>> boolean(std::string_view name) const;
  [[nodiscard]] Result<bool> boolean(std::string_view name, bool fallback) const;
  [[nodiscard]] Result<std::optional<std::chrono::milliseconds>> duration(std::string_view name) const;
  // Keys obstore knows but we do not implement (each named once), for a warning.
  [[nodiscard]] const std::vector<std::string>& ignored() const { return ignored_; }
  // One warning per ignored key, to options.warn (or spdlog when unset).
  void warn_ignored(std::string_view store_kind) const;

 private:
  friend Result<ResolvedOptions> resolve_options(const StoreOptions& options,
                                                 std::span<const std::span<const OptionKey>> key_sets,
                                                 std::string_view env_prefix, std::string_view store_kind);
  std::map<std::string, OptionValue, std::less<>> values_;
  std::vector<std::string> ignored_;
  std::function<void(std::string_view)> warn_;
};

// Matches every user key (case-insensitively) against `key_sets`; an unknown key is an error
// naming it, the store kind, and the closest known name. Then fills keys left unset from the
// environment: for each alias starting with `env_prefix` (e.g. "aws_"), the upper-cased alias.
Result<ResolvedOptions> resolve_options(const StoreOptions& options,
                                        std::span<const std::span<const OptionKey>> key_sets,
                                        std::string_view env_prefix, std::string_view store_kind);

// "true"/"false", "1"/"0", "yes"/"no", "on"/"off" (any case).
std::optional<bool> parse_bool(std::string_view text);
// "30s", "500ms", "2m", "1h", "1m 30s", "1.5s", "250 millis", or plain (fractional) seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// An error for a value that breaks a rule: names the key, its source, the value (unless
// secret) and what was expected.
Error bad_option_value(const OptionValue& value, std::string_view name, std::string_view expected);

}  // namespace tdump::store
