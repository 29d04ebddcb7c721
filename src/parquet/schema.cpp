#include "parquet/schema.hpp"

#include <fmt/format.h>

#include <unordered_set>

namespace tdump::parquet {

PhysicalType physical_type_of(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::kBool:
      return PhysicalType::kBoolean;
    case ColumnType::kInt8:
    case ColumnType::kInt16:
    case ColumnType::kInt32:
    case ColumnType::kUInt8:
    case ColumnType::kUInt16:
    case ColumnType::kUInt32:
      return PhysicalType::kInt32;
    case ColumnType::kInt64:
    case ColumnType::kUInt64:
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
      return PhysicalType::kInt64;
    case ColumnType::kDouble:
      return PhysicalType::kDouble;
    case ColumnType::kString:
    case ColumnType::kBinary:
      return PhysicalType::kByteArray;
  }
  return PhysicalType::kInt32;
}

std::string_view to_string(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kInt8:
      return "int8";
    case ColumnType::kInt16:
      return "int16";
    case ColumnType::kInt32:
      return "int32";
    case ColumnType::kInt64:
      return "int64";
    case ColumnType::kUInt8:
      return "uint8";
    case ColumnType::kUInt16:
      return "uint16";
    case ColumnType::kUInt32:
      return "uint32";
    case ColumnType::kUInt64:
      return "uint64";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kString:
      return "string";
    case ColumnType::kBinary:
      return "binary";
    case ColumnType::kTimestampMillis:
      return "timestamp_millis";
    case ColumnType::kTimestampMicros:
      return "timestamp_micros";
  }
  return "?";
}

Field Field::column(std::string name, ColumnType type) {
  Field f(std::move(name), Kind::kLeaf);
  f.type_ = type;
  return f;
}

Field Field::group(std::string name, std::vector<Field> fields) {
  Field f(std::move(name), Kind::kGroup);
  f.children_ = std::move(fields);
  return f;
}

Field Field::list(std::string name, Field element) {
  Field f(std::move(name), Kind::kList);
  element.name_ = "element";
  f.children_.push_back(std::move(element));
  return f;
}

Field Field::map(std::string name, Field key, Field value) {
  Field f(std::move(name), Kind::kMap);
  key.name_ = "key";
  key.optional_ = false;
  value.name_ = "value";
  f.children_.push_back(std::move(key));
  f.children_.push_back(std::move(value));
  return f;
}

Field Field::required() const {
  Field f = *this;
  f.optional_ = false;
  return f;
}

Field Field::optional() const {
  Field f = *this;
  f.optional_ = true;
  return f;
}

namespace {

Error invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

struct Flattener {
  std::vector<SchemaNode>& nodes;
  std::vector<LeafInfo>& leaves;
  std::vector<std::string> path;
  std::vector<std::uint8_t> def_of_rep{0};  // index 0 unused (rep level 0 is the row)

  // Appends a node and returns its index; levels are checked against kMaxLevel.
  Result<std::uint32_t> push(std::string name, SchemaNode::Role role, format::Repetition repetition,
                             std::uint32_t parent) {
    const SchemaNode& p = nodes[parent];
    SchemaNode n;
    n.name = std::move(name);
    n.role = role;
    n.repetition = repetition;
    n.parent = parent;
    int def = p.def_level + (repetition == format::Repetition::kRequired ? 0 : 1);
    int rep = p.rep_level + (repetition == format::Repetition::kRepeated ? 1 : 0);
    if (def > kMaxLevel || rep > kMaxLevel) return invalid("parquet schema: nesting deeper than 255 levels");
    n.def_level = static_cast<std::uint8_t>(def);
    n.rep_level = static_cast<std::uint8_t>(rep);
    n.frame_node = p.role == SchemaNode::Role::kRepeated || parent == 0 ? parent : p.frame_node;
    n.leaf_begin = static_cast<std::uint32_t>(leaves.size());
    nodes[parent].num_children++;
    nodes.push_back(std::move(n));
    return static_cast<std::uint32_t>(nodes.size() - 1);
  }

  void close(std::uint32_t index) {
    nodes[index].leaf_end = static_cast<std::uint32_t>(leaves.size());
    nodes[index].subtree_end = static_cast<std::uint32_t>(nodes.size());
  }

  Status check_name(const std::string& name) {
    if (name.empty()) return invalid("parquet schema: empty field name");
    if (name.find('.') != std::string::npos) {
      return invalid(fmt::format("parquet schema: field name '{}' contains '.'", name));
    }
    return {};
  }

  Status add_children(const std::vector<Field>& fields, std::uint32_t parent) {
    std::unordered_set<std::string_view> seen;
    for (const Field& f : fields) {
      if (!seen.insert(f.name()).second) {
        return invalid(fmt::format("parquet schema: duplicate field '{}' in '{}'", f.name(), join_path()));
      }
      if (auto s = add(f, parent); !s) return s;
    }
    return {};
  }

  std::string join_path() const {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : ".") + p;
    return out.empty() ? std::string("<root>") : out;
  }

  Status add_repeated(const char* name, const std::vector<Field>& children, std::uint32_t parent) {
    auto r = push(name, SchemaNode::Role::kRepeated, format::Repetition::kRepeated, parent);
    if (!r) return std::move(r).error();
    const std::uint32_t index = *r;
    def_of_rep.push_back(nodes[index].def_level);
    path.emplace_back(name);
    for (const Field& c : children) {
      if (auto s = add(c, index); !s) return s;
    }
    path.pop_back();
    def_of_rep.pop_back();
    close(index);
    return {};
  }

  Status add(const Field& f, std::uint32_t parent) {
    if (auto s = check_name(f.name()); !s) return s;
    const auto repetition = f.is_optional() ? format::Repetition::kOptional : format::Repetition::kRequired;
    SchemaNode::Role role = SchemaNode::Role::kLeaf;
    switch (f.kind()) {
      case Field::Kind::kLeaf:
        role = SchemaNode::Role::kLeaf;
        break;
      case Field::Kind::kGroup:
        role = SchemaNode::Role::kStruct;
        if (f.children().empty()) return invalid(fmt::format("parquet schema: struct '{}' has no fields", f.name()));
        break;
      case Field::Kind::kList:
        role = SchemaNode::Role::kList;
        break;
      case Field::Kind::kMap:
        role = SchemaNode::Role::kMap;
        if (f.children().at(0).kind() != Field::Kind::kLeaf) {
          return invalid(fmt::format("parquet schema: map '{}' needs a primitive key", f.name()));
        }
        break;
    }
    auto r = push(f.name(), role, repetition, parent);
    if (!r) return std::move(r).error();
    const std::uint32_t index = *r;
    path.push_back(f.name());
    Status status;
    switch (f.kind()) {
      case Field::Kind::kLeaf: {
        SchemaNode& n = nodes[index];
        n.type = f.type();
        LeafInfo leaf;
        leaf.node = index;
        leaf.type = f.type();
        leaf.physical = physical_type_of(f.type());
        leaf.max_def = n.def_level;
        leaf.max_rep = n.rep_level;
        leaf.path = path;
        leaf.dotted_path = join_path();
        leaf.def_of_rep = def_of_rep;
        leaves.push_back(std::move(leaf));
        break;
      }
      case Field::Kind::kGroup:
        status = add_children(f.children(), index);
        break;
      case Field::Kind::kList:
        status = add_repeated("list", f.children(), index);
        break;
      case Field::Kind::kMap:
        status = add_repeated("key_value", f.children(), index);
        break;
    }
    path.pop_back();
    close(index);
    return status;
  }
};

}  // namespace

Result<std::shared_ptr<const Schema>> Schema::make(const std::vector<Field>& fields) {
  std::shared_ptr<Schema> schema(new Schema());
  SchemaNode root;
  root.name = "schema";
  root.role = SchemaNode::Role::kRoot;
  schema->nodes_.push_back(root);
  if (fields.empty()) return invalid("parquet schema: no columns");
  Flattener flat{schema->nodes_, schema->leaves_, {}};
  if (auto s = flat.add_children(fields, 0); !s) return std::move(s).error();
  flat.close(0);
  return std::shared_ptr<const Schema>(std::move(schema));
}

std::string Schema::node_path(std::uint32_t node) const {
  std::vector<const std::string*> names;
  for (std::uint32_t n = node; n != 0; n = nodes_[n].parent) names.push_back(&nodes_[n].name);
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!out.empty()) out += '.';
    out += **it;
  }
  return out;
}

Result<NodeRef> Schema::find(std::string_view dotted_path) const {
  auto child_named = [this](std::uint32_t parent, std::string_view name) -> std::int64_t {
    for (std::uint32_t c = parent + 1; c < nodes_[parent].subtree_end; c = nodes_[c].subtree_end) {
      if (nodes_[c].name == name) return c;
    }
    return -1;
  };
  std::uint32_t at = 0;
  std::size_t pos = 0;
  while (pos <= dotted_path.size()) {
    std::size_t dot = dotted_path.find('.', pos);
    if (dot == std::string_view::npos) dot = dotted_path.size();
    const std::string_view name = dotted_path.substr(pos, dot - pos);
    std::int64_t next = child_named(at, name);
    const auto role = nodes_[at].role;
    if (next < 0 && (role == SchemaNode::Role::kList || role == SchemaNode::Role::kMap)) {
      // Skip the wrapper: LIST -> list -> element (and into a struct element); MAP -> key_value.
      const std::uint32_t repeated = at + 1;
      next = child_named(repeated, name);
      if (next < 0 && role == SchemaNode::Role::kList) {
        const std::uint32_t element = repeated + 1;
        if (nodes_[element].role == SchemaNode::Role::kStruct) next = child_named(element, name);
      }
    }
    if (next < 0) return make_error(ErrorCode::kNotFound, fmt::format("parquet schema: no column '{}'", dotted_path));
    at = static_cast<std::uint32_t>(next);
    pos = dot + 1;
  }
  return NodeRef{at};
}

Result<ColumnRef> Schema::column(std::string_view dotted_path) const {
  auto found = find(dotted_path);
  if (!found) return std::move(found).error();
  const SchemaNode& n = nodes_[found->index];
  if (n.role != SchemaNode::Role::kLeaf) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("parquet schema: '{}' is not a leaf column", dotted_path));
  }
  return ColumnRef{n.leaf_begin};
}

}  // namespace tdump::parquet
