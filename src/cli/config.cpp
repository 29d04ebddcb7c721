#include "cli/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>

#include "common/suggest.hpp"
#include "common/units.hpp"

namespace tdump::cli {
namespace {

// Thrown inside this file only; load/parse turn it into an Error value.
struct ConfigError {
  std::string message;
};

struct Section {
  std::string_view name;
  std::vector<std::string_view> keys;
};

const std::vector<Section>& sections() {
  static const std::vector<Section> kSections = {
      {"store", {"name", "prefixes", "obstore_config", "options"}},
      {"concurrency", {"n_consumers", "list_chunk_size", "max_buffer_size", "write_chunk_size"}},
      {"filter", {"suffixes", "include", "exclude"}},
      {"fetch", {"prefetch", "max_header_bytes", "io_threads"}},
      {"retry", {"max_retries", "init_backoff", "max_backoff", "retry_timeout"}},
      {"output", {"compression", "compression_level", "row_group_size", "store_options"}},
  };
  return kSections;
}

class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    if (node.IsDefined() && node.Mark().line >= 0) {
      throw ConfigError{fmt::format("{}:{}: {}", origin_, node.Mark().line + 1, message)};
    }
    throw ConfigError{fmt::format("{}: {}", origin_, message)};
  }

  std::string scalar(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, fmt::format("{}: must be a single value, not a list or a mapping", key));
    return node.Scalar();
  }

  std::uint64_t uint(const YAML::Node& node, const std::string& key, std::uint64_t min, std::uint64_t max) const {
    auto text = scalar(node, key);
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      fail(node, fmt::format("{} = {}: must be a whole number", key, text));
    }
    if (value < min || value > max) {
      fail(node, fmt::format("{} = {}: must be between {} and {}", key, value, min, max));
    }
    return value;
  }

  std::uint64_t bytes(const YAML::Node& node, const std::string& key, std::uint64_t min, std::uint64_t max) const {
    auto text = scalar(node, key);
    auto value = parse_byte_size(text);
    if (!value) fail(node, fmt::format("{} = {}: must be a size in bytes (e.g. 16384 or 16KiB)", key, text));
    if (*value < min || *value > max) {
      fail(node, fmt::format("{} = {}: must be between {} and {} bytes", key, text, min, max));
    }
    return *value;
  }

  std::chrono::milliseconds duration(const YAML::Node& node, const std::string& key) const {
    auto text = scalar(node, key);
    auto value = parse_duration(text);
    if (!value)
      fail(node,
           fmt::format("{} = {}: must be a duration (e.g. 100ms, 30s, 3m; a plain number is seconds)", key, text));
    return *value;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (node.IsNull()) return out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) fail(node, fmt::format("{}: must be a list of strings", key));
    for (const auto& item : node) {
      if (!item.IsScalar()) fail(item, fmt::format("{}: every item must be a string", key));
      out.push_back(item.Scalar());
    }
    return out;
  }

  std::map<std::string, std::string> options(const YAML::Node& node, const std::string& key) const {
    std::map<std::string, std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsMap()) fail(node, fmt::format("{}: must be a mapping of option names to values", key));
    for (const auto& item : node) {
      auto name = item.first.as<std::string>();
      if (!item.second.IsScalar()) {
        fail(item.second, fmt::format("{}.{}: must be a single value (string, number or boolean)", key, name));
      }
      out[name] = item.second.Scalar();
    }
    return out;
  }

 private:
  std::string origin_;
};

void check_keys(const Reader& reader, const YAML::Node& map, const std::string& where,
                const std::vector<std::string_view>& allowed) {
  std::map<std::string, int> seen;  // yaml-cpp keeps the last of duplicate keys silently; we refuse them
  for (const auto& item : map) {
    auto key = item.first.as<std::string>();
    auto [it, inserted] = seen.emplace(key, item.first.Mark().line + 1);
    if (!inserted) {
      reader.fail(item.first, fmt::format("duplicate key '{}{}' (first given on line {})",
                                          where.empty() ? "" : where + ".", key, it->second));
    }
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      reader.fail(item.first, fmt::format("unknown key '{}{}'{}; known keys here: {}", where.empty() ? "" : where + ".",
                                          key, did_you_mean(key, allowed), list));
    }
  }
}

struct Lines {
  std::map<std::string, int> by_key;  // dotted key -> 1-based line
  [[nodiscard]] std::string at(const std::string& key) const {
    auto it = by_key.find(key);
    return it == by_key.end() ? std::string() : fmt::format(" (line {})", it->second);
  }
};

Status validate_rules(const RunConfig& c, const Lines& lines, const std::string& origin) {
  auto fail = [&](const std::string& message) {
    return make_error(ErrorCode::kInvalidArgument, origin.empty() ? message : origin + ": " + message);
  };
  // The original tool's rules: n_consumers <= list_chunk_size <= write_chunk_size <= max_buffer_size,
  // and list_chunk_size divides max_buffer_size.
  struct Pair {
    const char* lower;
    std::uint64_t lower_value;
    const char* upper;
    std::uint64_t upper_value;
  };
  const std::array<Pair, 3> order = {{
      {"n_consumers", c.n_consumers, "list_chunk_size", c.list_chunk_size},
      {"list_chunk_size", c.list_chunk_size, "write_chunk_size", c.write_chunk_size},
      {"write_chunk_size", c.write_chunk_size, "max_buffer_size", c.max_buffer_size},
  }};
  for (const auto& p : order) {
    if (p.lower_value > p.upper_value) {
      return fail(fmt::format(
          "concurrency.{} = {}{} is greater than concurrency.{} = {}{}: the rule is n_consumers <= list_chunk_size "
          "<= write_chunk_size <= max_buffer_size",
          p.lower, p.lower_value, lines.at(std::string("concurrency.") + p.lower), p.upper, p.upper_value,
          lines.at(std::string("concurrency.") + p.upper)));
    }
  }
  if (c.max_buffer_size % c.list_chunk_size != 0) {
    return fail(fmt::format(
        "concurrency.max_buffer_size = {}{} is not a multiple of concurrency.list_chunk_size = {}{}: the rule is "
        "list_chunk_size divides max_buffer_size",
        c.max_buffer_size, lines.at("concurrency.max_buffer_size"), c.list_chunk_size,
        lines.at("concurrency.list_chunk_size")));
  }
  if (c.max_backoff < c.init_backoff) {
    return fail(fmt::format("retry.max_backoff = {}ms{} is less than retry.init_backoff = {}ms{}: it must not be",
                            c.max_backoff.count(), lines.at("retry.max_backoff"), c.init_backoff.count(),
                            lines.at("retry.init_backoff")));
  }
  if (c.max_header_bytes < c.prefetch) {
    return fail(fmt::format("fetch.max_header_bytes = {}{} is less than fetch.prefetch = {}{}: it must not be",
                            c.max_header_bytes, lines.at("fetch.max_header_bytes"), c.prefetch,
                            lines.at("fetch.prefetch")));
  }
  return {};
}

RunConfig read_config(const YAML::Node& root, const Reader& reader, Lines& lines) {
  RunConfig c;
  if (!root.IsMap()) reader.fail(root, "the config must be a mapping with a 'store' section");
  std::vector<std::string_view> section_names;
  for (const auto& s : sections()) section_names.push_back(s.name);
  check_keys(reader, root, "", section_names);

  auto section = [&](std::string_view name) -> YAML::Node {
    YAML::Node node = root[std::string(name)];
    if (!node.IsDefined() || node.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    if (!node.IsMap()) reader.fail(node, fmt::format("{}: must be a mapping", name));
    for (const auto& s : sections()) {
      if (s.name == name) check_keys(reader, node, std::string(name), s.keys);
    }
    for (const auto& item : node) {
      lines.by_key[fmt::format("{}.{}", name, item.first.as<std::string>())] = item.first.Mark().line + 1;
    }
    return node;
  };
  auto each = [&](const YAML::Node& node, std::string_view sec, auto&& fn) {
    if (!node.IsDefined()) return;
    for (const auto& item : node)
      fn(item.first.as<std::string>(), item.second, fmt::format("{}.{}", sec, item.first.as<std::string>()));
  };

  auto store = section("store");
  if (!store.IsDefined()) reader.fail(root, "missing 'store' section (store.name is the store URL)");
  bool have_obstore_config = false;
  each(store, "store", [&](const std::string& key, const YAML::Node& v, const std::string& dotted) {
    if (key == "name") {
      c.store_name = reader.scalar(v, dotted);
    } else if (key == "prefixes") {
      c.prefixes = reader.strings(v, dotted);
    } else {  // obstore_config or its neutral alias options
      if (have_obstore_config) {
        reader.fail(v, "store.obstore_config and store.options are the same section: give only one");
      }
      have_obstore_config = true;
      c.store_options = reader.options(v, dotted);
    }
  });
  if (c.store_name.empty()) reader.fail(store, "store.name: missing; it is the store URL (e.g. s3://bucket)");

  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  each(section("concurrency"), "concurrency", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    auto value = reader.uint(v, d, 1, kMax);
    if (key == "n_consumers") c.n_consumers = value;
    if (key == "list_chunk_size") c.list_chunk_size = value;
    if (key == "max_buffer_size") c.max_buffer_size = value;
    if (key == "write_chunk_size") c.write_chunk_size = value;
  });
  each(section("filter"), "filter", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    auto values = reader.strings(v, d);
    if (key == "suffixes") c.suffixes = values;
    if (key == "include") c.include = values;
    if (key == "exclude") c.exclude = values;
  });
  each(section("fetch"), "fetch", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    if (key == "prefetch") c.prefetch = reader.bytes(v, d, 16, 64ULL << 20);
    if (key == "max_header_bytes") c.max_header_bytes = reader.bytes(v, d, 16, 1ULL << 32);
    if (key == "io_threads") c.io_threads = static_cast<std::uint32_t>(reader.uint(v, d, 1, 256));
  });
  each(section("retry"), "retry", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    if (key == "max_retries") c.max_retries = static_cast<std::uint32_t>(reader.uint(v, d, 0, 1000));
    if (key == "init_backoff") c.init_backoff = reader.duration(v, d);
    if (key == "max_backoff") c.max_backoff = reader.duration(v, d);
    if (key == "retry_timeout") c.retry_timeout = reader.duration(v, d);
  });
  each(section("output"), "output", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    if (key == "compression") {
      auto text = reader.scalar(v, d);
      if (text == "snappy")
        c.compression = OutputCompression::kSnappy;
      else if (text == "zstd")
        c.compression = OutputCompression::kZstd;
      else if (text == "none" || text == "uncompressed")
        c.compression = OutputCompression::kNone;
      else
        reader.fail(v, fmt::format("{} = {}: must be one of snappy, zstd, none", d, text));
    }
    if (key == "compression_level") c.compression_level = static_cast<int>(reader.uint(v, d, 1, 22));
    if (key == "row_group_size") c.row_group_size = reader.uint(v, d, 0, kMax);
    if (key == "store_options") c.output_store_options = reader.options(v, d);
  });
  return c;
}

}  // namespace

const std::vector<std::string>& known_config_keys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys;
    for (const auto& s : sections()) {
      for (auto k : s.keys) keys.push_back(fmt::format("{}.{}", s.name, k));
    }
    return keys;
  }();
  return kKeys;
}

Result<RunConfig> parse_config(const std::string& text, const std::string& origin) {
  Reader reader(origin);
  Lines lines;
  RunConfig config;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      return make_error(ErrorCode::kInvalidArgument, origin + ": the config is empty; it needs at least store.name");
    }
    config = read_config(root, reader, lines);
  } catch (const ConfigError& e) {
    return make_error(ErrorCode::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}:{}:{}: not valid YAML: {}", origin, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  auto status = validate_rules(config, lines, origin);
  if (!status) return std::move(status).error();
  return config;
}

Result<RunConfig> load_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("config file {}: {}", path.string(),
                                  std::filesystem::exists(path, ec) ? "is not a regular file" : "does not exist"));
  }
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kInvalidArgument, fmt::format("config file {}: cannot be read", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_config(buffer.str(), path.string());
}

Status validate_config(const RunConfig& config) {
  return validate_rules(config, Lines{}, "");
}

}  // namespace tdump::cli
