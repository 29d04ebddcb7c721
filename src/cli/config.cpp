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
#include "store/common/display_key.hpp"

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
      {"concurrency",
       {"n_consumers", "list_chunk_size", "max_buffer_size", "write_chunk_size", "max_buffer_bytes",
        "list_parallelism"}},
      {"filter", {"suffixes", "include", "exclude"}},
      {"fetch", {"prefetch", "max_header_bytes", "io_threads", "own_http1"}},
      {"retry", {"max_retries", "init_backoff", "max_backoff", "retry_timeout"}},
      {"output", {"compression", "compression_level", "row_group_size", "store_options", "max_batch_bytes"}},
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
    return text(node, key);
  }

  // A scalar's text, which must be UTF-8 (YAML text is Unicode; the values end up in URLs,
  // JSON and Parquet strings, which need UTF-8 too).
  std::string text(const YAML::Node& node, const std::string& key) const {
    const std::string& value = node.Scalar();
    if (!store::is_valid_utf8(value)) {
      fail(node, fmt::format("{} = {}: not valid UTF-8 (the bytes that are not are shown as %XX); the config "
                             "must be UTF-8 text",
                             key, store::display_key(value)));
    }
    return value;
  }

  // A mapping key's text (UTF-8, like every other text of the file).
  std::string key_text(const YAML::Node& node, const std::string& where) const {
    if (!node.IsScalar()) fail(node, fmt::format("{}: keys must be plain names", where.empty() ? "the config" : where));
    const std::string& value = node.Scalar();
    if (!store::is_valid_utf8(value)) {
      fail(node, fmt::format("key '{}{}': not valid UTF-8 (the bytes that are not are shown as %XX)",
                             where.empty() ? "" : where + ".", store::display_key(value)));
    }
    return value;
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

  // true or false (YAML 1.2's core schema spellings).
  bool boolean(const YAML::Node& node, const std::string& key) const {
    const auto text = scalar(node, key);
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    fail(node, fmt::format("{} = {}: must be true or false", key, text));
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
      out.push_back(text(node, key));
      return out;
    }
    if (!node.IsSequence()) fail(node, fmt::format("{}: must be a list of strings", key));
    if (node.size() > max_items_) {
      fail(node, fmt::format("{}: {} items, more than the limit of {}", key, node.size(), max_items_));
    }
    std::size_t index = 0;
    for (const auto& item : node) {
      const std::string item_key = fmt::format("{}[{}]", key, index++);
      if (!item.IsScalar()) fail(item, fmt::format("{}: every item must be a string", item_key));
      out.push_back(text(item, item_key));
    }
    return out;
  }

  std::map<std::string, std::string> options(const YAML::Node& node, const std::string& key) const {
    std::map<std::string, std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsMap()) fail(node, fmt::format("{}: must be a mapping of option names to values", key));
    for (const auto& item : node) {
      auto name = key_text(item.first, key);
      if (!item.second.IsScalar()) {
        fail(item.second, fmt::format("{}.{}: must be a single value (string, number or boolean)", key, name));
      }
      out[name] = text(item.second, fmt::format("{}.{}", key, name));
    }
    return out;
  }

 private:
  std::string origin_;
  // Items of one list (store.prefixes, filters): refused before they are copied.
  std::size_t max_items_ = dump::ConfigLimits::kMaxPrefixes;
};

void check_keys(const Reader& reader, const YAML::Node& map, const std::string& where,
                const std::vector<std::string_view>& allowed) {
  std::map<std::string, int> seen;  // yaml-cpp keeps the last of duplicate keys silently; we refuse them
  for (const auto& item : map) {
    auto key = reader.key_text(item.first, where);
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
  // Text: every value that goes into a URL, a glob, a JSON manifest or a Parquet string is
  // UTF-8 (the file's values are checked as they are read; this catches command-line overrides).
  auto check_text = [&](const std::string& key, const std::string& value) -> Status {
    if (store::is_valid_utf8(value)) return {};
    return fail(fmt::format("{} = {}{}: not valid UTF-8 (the bytes that are not are shown as %XX)", key,
                            store::display_key(value), lines.at(key)));
  };
  if (auto s = check_text("store.name", c.store_name); !s) return s;
  for (const auto& p : c.prefixes) {
    if (auto s = check_text("store.prefixes", p); !s) return s;
  }
  for (const auto& [name, value] : c.store_options) {
    if (auto s = check_text("store.obstore_config", name); !s) return s;
    if (auto s = check_text("store.obstore_config." + name, value); !s) return s;
  }
  for (const auto& [name, value] : c.output_store_options) {
    if (auto s = check_text("output.store_options", name); !s) return s;
    if (auto s = check_text("output.store_options." + name, value); !s) return s;
  }
  for (const auto* list : {&c.suffixes, &c.include, &c.exclude}) {
    const char* key = list == &c.suffixes  ? "filter.suffixes"
                      : list == &c.include ? "filter.include"
                                           : "filter.exclude";
    for (const auto& v : *list) {
      if (auto s = check_text(key, v); !s) return s;
    }
  }
  if (c.prefixes.size() > dump::ConfigLimits::kMaxPrefixes) {
    return fail(fmt::format("store.prefixes: {} prefixes, more than the limit of {}{}", c.prefixes.size(),
                            dump::ConfigLimits::kMaxPrefixes, lines.at("store.prefixes")));
  }
  // Bounds, before anything is sized from them (the file's values were checked as they were
  // read; this catches command-line overrides).
  struct Bound {
    const char* key;
    std::uint64_t value;
    std::uint64_t min;
    std::uint64_t max;
  };
  using L = dump::ConfigLimits;
  const std::array<Bound, 11> bounds = {{
      {"concurrency.n_consumers", c.n_consumers, 1, L::kMaxConsumers},
      {"concurrency.list_chunk_size", c.list_chunk_size, 1, L::kMaxListChunk},
      {"concurrency.max_buffer_size", c.max_buffer_size, 1, L::kMaxBufferSize},
      {"concurrency.write_chunk_size", c.write_chunk_size, 1, L::kMaxWriteChunk},
      {"concurrency.max_buffer_bytes", c.max_buffer_bytes, L::kMinBufferBytes, L::kMaxBufferBytes},
      {"concurrency.list_parallelism", c.list_parallelism, 1, L::kMaxListParallelism},
      {"fetch.io_threads", c.io_threads, 1, L::kMaxIoThreads},
      {"fetch.prefetch", c.prefetch, L::kMinPrefetch, L::kMaxPrefetch},
      {"fetch.max_header_bytes", c.max_header_bytes, L::kMinPrefetch, L::kMaxHeaderBytes},
      {"output.max_batch_bytes", c.max_batch_bytes, L::kMinBatchBytes, L::kMaxBatchBytes},
      {"output.row_group_size", c.row_group_size, 0, L::kMaxWriteChunk},
  }};
  for (const auto& b : bounds) {
    if (b.value < b.min || b.value > b.max) {
      return fail(fmt::format("{} = {}{}: must be between {} and {}", b.key, b.value, lines.at(b.key), b.min, b.max));
    }
  }
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
      lines.by_key[fmt::format("{}.{}", name, reader.key_text(item.first, std::string(name)))] =
          item.first.Mark().line + 1;
    }
    return node;
  };
  auto each = [&](const YAML::Node& node, std::string_view sec, auto&& fn) {
    if (!node.IsDefined()) return;
    for (const auto& item : node) {
      const std::string key = reader.key_text(item.first, std::string(sec));
      fn(key, item.second, fmt::format("{}.{}", sec, key));
    }
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

  using L = dump::ConfigLimits;
  each(section("concurrency"), "concurrency", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    if (key == "n_consumers") c.n_consumers = reader.uint(v, d, 1, L::kMaxConsumers);
    if (key == "list_chunk_size") c.list_chunk_size = reader.uint(v, d, 1, L::kMaxListChunk);
    if (key == "max_buffer_size") c.max_buffer_size = reader.uint(v, d, 1, L::kMaxBufferSize);
    if (key == "write_chunk_size") c.write_chunk_size = reader.uint(v, d, 1, L::kMaxWriteChunk);
    if (key == "max_buffer_bytes") c.max_buffer_bytes = reader.bytes(v, d, L::kMinBufferBytes, L::kMaxBufferBytes);
    if (key == "list_parallelism") {
      c.list_parallelism = static_cast<std::uint32_t>(reader.uint(v, d, 1, L::kMaxListParallelism));
    }
  });
  each(section("filter"), "filter", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    auto values = reader.strings(v, d);
    if (key == "suffixes") c.suffixes = values;
    if (key == "include") c.include = values;
    if (key == "exclude") c.exclude = values;
  });
  each(section("fetch"), "fetch", [&](const std::string& key, const YAML::Node& v, const std::string& d) {
    if (key == "prefetch") c.prefetch = reader.bytes(v, d, L::kMinPrefetch, L::kMaxPrefetch);
    if (key == "max_header_bytes") c.max_header_bytes = reader.bytes(v, d, L::kMinPrefetch, L::kMaxHeaderBytes);
    if (key == "io_threads") c.io_threads = static_cast<std::uint32_t>(reader.uint(v, d, 1, L::kMaxIoThreads));
    if (key == "own_http1") c.own_http1 = reader.boolean(v, d);
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
    if (key == "row_group_size") c.row_group_size = reader.uint(v, d, 0, L::kMaxWriteChunk);
    if (key == "store_options") c.output_store_options = reader.options(v, d);
    if (key == "max_batch_bytes") c.max_batch_bytes = reader.bytes(v, d, L::kMinBatchBytes, L::kMaxBatchBytes);
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
  // Anything else that is not UTF-8 (a comment, say): the file is not YAML text.
  if (!store::is_valid_utf8(text)) {
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        if (!store::is_valid_utf8(std::string_view(text).substr(line_start, i - line_start))) break;
        ++line;
        line_start = i + 1;
      }
    }
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}:{}: not valid UTF-8 text (a YAML file must be UTF-8)", origin, line));
  }
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
