#pragma once
// Loading the `headers` config file (YAML) into dump::RunConfig. Loading validates everything up
// front; an error names the key, the value, the rule and the line of the file.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "dump/run_config.hpp"

namespace tdump::cli {

using dump::OutputCompression;
using dump::RunConfig;

// Loads and validates a config file. Errors carry ErrorCode::kInvalidArgument and a message
// like "config.yaml:7: concurrency.n_consumers = 0: must be at least 1".
Result<RunConfig> load_config(const std::filesystem::path& path);
// Same, from text (for tests and `-` on stdin); `origin` names the source in messages.
Result<RunConfig> parse_config(const std::string& text, const std::string& origin);
// The cross-key rules of the original, re-checked after command-line overrides.
Status validate_config(const RunConfig& config);

// Every key the config file accepts (dotted), for "did you mean" and the docs.
const std::vector<std::string>& known_config_keys();

}  // namespace tdump::cli
