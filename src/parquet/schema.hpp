#pragma once
// The schema: a tree of fields built declaratively, flattened into Parquet's depth-first
// SchemaElement order with the definition and repetition levels of every leaf precomputed.
//
//   auto schema = Schema::make({
//       Field::string("path").required(),
//       Field::int64("size"),
//       Field::group("geokeys", {Field::uint16("model_type"), Field::string("citation")}),
//       Field::list("bits_per_sample", Field::uint16("element").required()),
//       Field::map("other_tags", Field::int32("key"), Field::string("value")),
//   });
//
// Nested shapes follow the Parquet LogicalTypes spec: LIST is the 3-level form
// `<rep> group name (LIST) { repeated group list { <rep> element } }`, MAP is
// `<rep> group name (MAP) { repeated group key_value { required key; <rep> value } }`.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "parquet/format.hpp"

namespace tdump::parquet {

// The user-facing type of a leaf column; each maps to one physical type and annotation.
enum class ColumnType : std::uint8_t {
  kBool,             // BOOLEAN
  kInt8,             // INT32, INTEGER(8, signed)
  kInt16,            // INT32, INTEGER(16, signed)
  kInt32,            // INT32, INTEGER(32, signed)
  kInt64,            // INT64, INTEGER(64, signed)
  kUInt8,            // INT32, INTEGER(8, unsigned)
  kUInt16,           // INT32, INTEGER(16, unsigned)
  kUInt32,           // INT32, INTEGER(32, unsigned): the bits of the uint32 stored as int32
  kUInt64,           // INT64, INTEGER(64, unsigned): the bits of the uint64 stored as int64
  kDouble,           // DOUBLE
  kString,           // BYTE_ARRAY, STRING (UTF-8)
  kBinary,           // BYTE_ARRAY, no annotation
  kTimestampMillis,  // INT64, TIMESTAMP(isAdjustedToUTC=true, MILLIS)
  kTimestampMicros,  // INT64, TIMESTAMP(isAdjustedToUTC=true, MICROS)
};

// The storage class of a leaf's values in a ColumnBatch.
enum class PhysicalType : std::uint8_t { kBoolean, kInt32, kInt64, kDouble, kByteArray };

[[nodiscard]] PhysicalType physical_type_of(ColumnType type) noexcept;
[[nodiscard]] std::string_view to_string(ColumnType type) noexcept;

class Field {
 public:
  enum class Kind : std::uint8_t { kLeaf, kGroup, kList, kMap };

  static Field column(std::string name, ColumnType type);
  static Field boolean(std::string name) { return column(std::move(name), ColumnType::kBool); }
  static Field int8(std::string name) { return column(std::move(name), ColumnType::kInt8); }
  static Field int16(std::string name) { return column(std::move(name), ColumnType::kInt16); }
  static Field int32(std::string name) { return column(std::move(name), ColumnType::kInt32); }
  static Field int64(std::string name) { return column(std::move(name), ColumnType::kInt64); }
  static Field uint8(std::string name) { return column(std::move(name), ColumnType::kUInt8); }
  static Field uint16(std::string name) { return column(std::move(name), ColumnType::kUInt16); }
  static Field uint32(std::string name) { return column(std::move(name), ColumnType::kUInt32); }
  static Field uint64(std::string name) { return column(std::move(name), ColumnType::kUInt64); }
  static Field float64(std::string name) { return column(std::move(name), ColumnType::kDouble); }
  static Field string(std::string name) { return column(std::move(name), ColumnType::kString); }
  static Field binary(std::string name) { return column(std::move(name), ColumnType::kBinary); }
  static Field timestamp_millis(std::string name) { return column(std::move(name), ColumnType::kTimestampMillis); }
  static Field timestamp_micros(std::string name) { return column(std::move(name), ColumnType::kTimestampMicros); }
  // An optional struct of `fields` (a Parquet group).
  static Field group(std::string name, std::vector<Field> fields);
  // A 3-level LIST; the element keeps its own optional/required setting, its name becomes "element".
  static Field list(std::string name, Field element);
  // A MAP; the key is always required (the spec says so), the value keeps its setting.
  static Field map(std::string name, Field key, Field value);

  // Fields are optional unless marked required.
  [[nodiscard]] Field required() const;
  [[nodiscard]] Field optional() const;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] ColumnType type() const noexcept { return type_; }
  [[nodiscard]] bool is_optional() const noexcept { return optional_; }
  [[nodiscard]] const std::vector<Field>& children() const noexcept { return children_; }

 private:
  Field(std::string name, Kind kind) : name_(std::move(name)), kind_(kind) {}
  std::string name_;
  Kind kind_;
  ColumnType type_ = ColumnType::kInt32;
  bool optional_ = true;
  std::vector<Field> children_;
};

// Any node of the flattened schema (a leaf, a struct, a list or a map).
struct NodeRef {
  std::uint32_t index = 0;
};
// A leaf column, numbered 0..num_leaves-1 in schema (depth-first) order.
struct ColumnRef {
  std::uint32_t leaf = 0;
};

// Levels are stored as bytes; schemas deeper than this are refused.
inline constexpr int kMaxLevel = 255;

struct SchemaNode {
  enum class Role : std::uint8_t { kRoot, kLeaf, kStruct, kList, kMap, kRepeated };
  std::string name;
  Role role = Role::kRoot;
  format::Repetition repetition = format::Repetition::kRequired;
  std::uint32_t parent = 0;
  std::uint32_t num_children = 0;
  std::uint32_t subtree_end = 0;  // one past the last node of this node's subtree
  // Definition level of this node when it is present; repetition level of its nearest repeated node.
  std::uint8_t def_level = 0;
  std::uint8_t rep_level = 0;
  // The nearest strict ancestor that is repeated (or the root): the row-builder frame a value
  // of this node is written in.
  std::uint32_t frame_node = 0;
  // Leaves below (or at) this node: [leaf_begin, leaf_end).
  std::uint32_t leaf_begin = 0;
  std::uint32_t leaf_end = 0;
  ColumnType type = ColumnType::kInt32;  // leaves only
};

struct LeafInfo {
  std::uint32_t node = 0;
  ColumnType type = ColumnType::kInt32;
  PhysicalType physical = PhysicalType::kInt32;
  std::uint8_t max_def = 0;
  std::uint8_t max_rep = 0;
  std::vector<std::string> path;  // path_in_schema
  std::string dotted_path;        // path joined with '.'
  // def_of_rep[r]: the definition level of the repeated ancestor with repetition level r (r >= 1);
  // an entry with repetition level r needs at least that definition level.
  std::vector<std::uint8_t> def_of_rep;
};

class Schema {
 public:
  // Validates (non-empty unique names without '.', non-empty groups, levels <= kMaxLevel) and flattens.
  static Result<std::shared_ptr<const Schema>> make(const std::vector<Field>& fields);

  // Looks up a node by its dotted path. The LIST/MAP wrapper levels may be skipped:
  // "ifds.width" finds "ifds.list.element.width", "tags.key" finds "tags.key_value.key".
  [[nodiscard]] Result<NodeRef> find(std::string_view dotted_path) const;
  // The same, for a leaf column.
  [[nodiscard]] Result<ColumnRef> column(std::string_view dotted_path) const;

  [[nodiscard]] const std::vector<SchemaNode>& nodes() const noexcept { return nodes_; }
  [[nodiscard]] const std::vector<LeafInfo>& leaves() const noexcept { return leaves_; }
  [[nodiscard]] const SchemaNode& node(NodeRef ref) const { return nodes_.at(ref.index); }
  [[nodiscard]] const LeafInfo& leaf(ColumnRef ref) const { return leaves_.at(ref.leaf); }
  [[nodiscard]] std::size_t num_leaves() const noexcept { return leaves_.size(); }
  [[nodiscard]] std::string node_path(std::uint32_t node) const;

 private:
  Schema() = default;
  std::vector<SchemaNode> nodes_;  // depth-first; nodes_[0] is the root ("schema")
  std::vector<LeafInfo> leaves_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

}  // namespace tdump::parquet
