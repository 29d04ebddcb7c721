#include "parquet_test_support.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "support/process.hpp"
#include "support/servers.hpp"

namespace tdump::parquet::testing {

namespace {

using Role = SchemaNode::Role;

std::uint32_t first_child(std::uint32_t node) {
  return node + 1;
}

void feed_node(ColumnBatch& b, const Schema& s, std::uint32_t node, const json& v) {
  const SchemaNode& n = s.nodes()[node];
  switch (n.role) {
    case Role::kLeaf: {
      const ColumnRef col{n.leaf_begin};
      if (v.is_null()) {
        // Alternate between an explicit null and leaving the column unset: both must give null.
        if (n.repetition == format::Repetition::kOptional && (n.leaf_begin % 2) == 0) b.set_null(col);
        return;
      }
      switch (n.type) {
        case ColumnType::kBool:
          b.set_bool(col, v.get<bool>());
          break;
        case ColumnType::kDouble:
          b.set_double(col, v.get<double>());
          break;
        case ColumnType::kString:
        case ColumnType::kBinary:
          b.set_string(col, v.get_ref<const std::string&>());
          break;
        case ColumnType::kUInt64:
          b.set_uint(col, v.get<std::uint64_t>());
          break;
        default:
          if (v.is_number_unsigned()) {
            b.set_uint(col, v.get<std::uint64_t>());
          } else {
            b.set_int(col, v.get<std::int64_t>());
          }
          break;
      }
      return;
    }
    case Role::kStruct: {
      if (v.is_null()) return;
      bool any = false;
      for (std::uint32_t c = first_child(node); c < n.subtree_end; c = s.nodes()[c].subtree_end) {
        const auto it = v.find(s.nodes()[c].name);
        if (it != v.end() && !it->is_null()) any = true;
      }
      if (!any) b.begin_struct(NodeRef{node});
      for (std::uint32_t c = first_child(node); c < n.subtree_end; c = s.nodes()[c].subtree_end) {
        const auto it = v.find(s.nodes()[c].name);
        feed_node(b, s, c, it == v.end() ? json() : *it);
      }
      b.end_struct(NodeRef{node});
      return;
    }
    case Role::kList: {
      if (v.is_null()) return;
      const std::uint32_t element = node + 2;
      b.begin_list(NodeRef{node});
      for (const json& e : v) {
        b.begin_element();
        feed_node(b, s, element, e);
        b.end_element();
      }
      b.end_list();
      return;
    }
    case Role::kMap: {
      if (v.is_null()) return;
      const std::uint32_t key = node + 2;
      const std::uint32_t value = s.nodes()[key].subtree_end;
      b.begin_map(NodeRef{node});
      for (const json& kv : v) {
        b.begin_entry();
        feed_node(b, s, key, kv.at(0));
        feed_node(b, s, value, kv.at(1));
        b.end_entry();
      }
      b.end_map();
      return;
    }
    case Role::kRoot:
    case Role::kRepeated:
      break;
  }
}

std::string hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

json canonical_node(const Schema& s, std::uint32_t node, const json& v) {
  if (v.is_null()) return nullptr;
  const SchemaNode& n = s.nodes()[node];
  switch (n.role) {
    case Role::kLeaf:
      switch (n.type) {
        case ColumnType::kBool:
          return v.get<bool>();
        case ColumnType::kDouble:
          return canonical_double(v.get<double>());
        case ColumnType::kString:
          return v;
        case ColumnType::kBinary:
          return "b:" + hex(v.get_ref<const std::string&>());
        case ColumnType::kTimestampMillis:
          return "t:" + std::to_string(v.get<std::int64_t>() * 1000);
        case ColumnType::kTimestampMicros:
          return "t:" + std::to_string(v.get<std::int64_t>());
        default:
          return v.is_number_unsigned() ? std::to_string(v.get<std::uint64_t>())
                                        : std::to_string(v.get<std::int64_t>());
      }
    case Role::kStruct: {
      json out = json::object();
      for (std::uint32_t c = first_child(node); c < n.subtree_end; c = s.nodes()[c].subtree_end) {
        const auto it = v.find(s.nodes()[c].name);
        out[s.nodes()[c].name] = canonical_node(s, c, it == v.end() ? json() : *it);
      }
      return out;
    }
    case Role::kList: {
      json out = json::array();
      for (const json& e : v) out.push_back(canonical_node(s, node + 2, e));
      return out;
    }
    case Role::kMap: {
      const std::uint32_t key = node + 2;
      const std::uint32_t value = s.nodes()[key].subtree_end;
      std::vector<json> pairs;
      for (const json& kv : v)
        pairs.push_back(json::array({canonical_node(s, key, kv.at(0)), canonical_node(s, value, kv.at(1))}));
      std::sort(pairs.begin(), pairs.end(),
                [](const json& a, const json& b) { return a[0].get<std::string>() < b[0].get<std::string>(); });
      return pairs;
    }
    case Role::kRoot:
    case Role::kRepeated:
      break;
  }
  return nullptr;
}

}  // namespace

json canonical_double(double v) {
  constexpr double kMaxSafe = 9007199254740991.0;
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) <= kMaxSafe && !(v == 0 && std::signbit(v))) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  return fmt::format("f:{:016x}", std::bit_cast<std::uint64_t>(v));
}

Status feed_row(ColumnBatch& batch, const json& row) {
  const Schema& s = *batch.schema();
  batch.begin_row();
  const SchemaNode& root = s.nodes()[0];
  for (std::uint32_t c = 1; c < root.subtree_end; c = s.nodes()[c].subtree_end) {
    const auto it = row.find(s.nodes()[c].name);
    feed_node(batch, s, c, it == row.end() ? json() : *it);
  }
  return batch.end_row();
}

json canonical_row(const Schema& schema, const json& row) {
  json out = json::object();
  const SchemaNode& root = schema.nodes()[0];
  for (std::uint32_t c = 1; c < root.subtree_end; c = schema.nodes()[c].subtree_end) {
    const auto it = row.find(schema.nodes()[c].name);
    out[schema.nodes()[c].name] = canonical_node(schema, c, it == row.end() ? json() : *it);
  }
  return out;
}

json canonical_rows(const Schema& schema, const std::vector<json>& rows) {
  json out = json::array();
  for (const json& r : rows) out.push_back(canonical_row(schema, r));
  return out;
}

Status write_rows(const std::filesystem::path& path, const SchemaPtr& schema, const std::vector<json>& rows,
                  const WriterOptions& options) {
  ColumnBatch batch(schema);
  for (const json& r : rows) {
    if (auto s = feed_row(batch, r); !s) return s;
  }
  return write_parquet_file(path, batch, options);
}

std::vector<json> read_with(const std::vector<ReadRequest>& requests) {
  json input = json::array();
  for (const auto& r : requests) input.push_back({{"reader", r.reader}, {"path", r.path.string()}});
  const auto script = tdump::testing::source_dir() / "tests" / "parquet" / "read_parquet.mjs";
  auto result = tdump::testing::run_command({"node", script.string()}, {}, input.dump(), tdump::testing::source_dir());
  if (result.exit_code != 0) throw std::runtime_error("read_parquet.mjs failed: " + result.err);
  return json::parse(result.out).get<std::vector<json>>();
}

json read_rows(const std::string& reader, const std::filesystem::path& path) {
  json r = read_with({{reader, path}}).at(0);
  if (r.contains("error")) throw std::runtime_error(reader + ": " + r["error"].get<std::string>());
  return r["rows"];
}

std::string sql_path(const std::filesystem::path& path) {
  std::string out = "'";
  for (const char c : path.string()) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace tdump::parquet::testing
