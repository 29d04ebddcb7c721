#include "parquet/column_batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace tdump::parquet {

namespace {
using Role = SchemaNode::Role;

// The integer range a column accepts from set_int (uint32 and uint64 keep their bit patterns).
void integer_range(ColumnType type, std::int64_t& lo, std::int64_t& hi) {
  constexpr auto kMin64 = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax64 = std::numeric_limits<std::int64_t>::max();
  switch (type) {
    case ColumnType::kInt8:
      lo = -128, hi = 127;
      return;
    case ColumnType::kInt16:
      lo = -32768, hi = 32767;
      return;
    case ColumnType::kInt32:
      lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
      return;
    case ColumnType::kUInt8:
      lo = 0, hi = 255;
      return;
    case ColumnType::kUInt16:
      lo = 0, hi = 65535;
      return;
    case ColumnType::kUInt32:
      lo = 0, hi = std::numeric_limits<std::uint32_t>::max();
      return;
    case ColumnType::kUInt64:
      lo = 0, hi = kMax64;
      return;
    case ColumnType::kInt64:
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
      lo = kMin64, hi = kMax64;
      return;
    case ColumnType::kBool:
    case ColumnType::kDouble:
    case ColumnType::kString:
    case ColumnType::kBinary:
      lo = 0, hi = -1;
      return;
  }
}

}  // namespace

ColumnBatch::ColumnBatch(SchemaPtr schema) : schema_(std::move(schema)) {
  const auto& nodes = schema_->nodes();
  leaves_.reserve(schema_->num_leaves());
  int max_rep = 0;
  for (const LeafInfo& l : schema_->leaves()) {
    leaves_.emplace_back(l.physical, l.max_def, l.max_rep);
    LeafHot h;
    integer_range(l.type, h.lo, h.hi);
    h.umax = l.type == ColumnType::kUInt64 ? std::numeric_limits<std::uint64_t>::max()
                                           : static_cast<std::uint64_t>(std::max<std::int64_t>(h.hi, 0));
    h.node = l.node;
    h.parent = nodes[l.node].parent;
    h.frame_node = nodes[l.node].frame_node;
    h.max_def = l.max_def;
    h.type = l.type;
    h.physical = l.physical;
    h.optional = nodes[l.node].repetition == format::Repetition::kOptional;
    hot_.push_back(h);
    max_rep = std::max<int>(max_rep, l.max_rep);
  }
  for (const SchemaNode& n : nodes) {
    parent_.push_back(n.parent);
    def_.push_back(n.def_level);
    role_.push_back(n.role);
    optional_.push_back(n.repetition == format::Repetition::kOptional ? 1 : 0);
    subtree_end_.push_back(n.subtree_end);
    leaf_begin_.push_back(n.leaf_begin);
    leaf_end_.push_back(n.leaf_end);
  }
  direct_leaves_.assign(nodes.size(), 0);
  nested_repeated_.assign(nodes.size(), 0);
  direct_leaves_[0] = 0;
  for (const LeafInfo& l : schema_->leaves()) ++direct_leaves_[nodes[l.node].frame_node];
  for (std::uint32_t n = 1; n < nodes.size(); ++n) {
    if (nodes[n].role == Role::kRepeated && nodes[n].frame_node != 0) nested_repeated_[nodes[n].frame_node] = 1;
  }
  node_stamp_.assign(nodes.size(), 0);
  leaf_stamp_.assign(leaves_.size(), 0);
  frames_.resize(2 * static_cast<std::size_t>(max_rep) + 1);
}

std::size_t ColumnBatch::buffered_bytes() const noexcept {
  std::size_t total = 0;
  for (const LeafColumn& l : leaves_) total += l.buffered_bytes();
  return total;
}

void ColumnBatch::clear() {
  for (LeafColumn& l : leaves_) l.clear();
  depth_ = 0;
  rows_ = 0;
  failed_ = false;
  raw_used_ = false;
  error_.clear();
}

void ColumnBatch::rollback(std::size_t rows) {
  rows = std::min(rows, rows_);
  for (LeafColumn& l : leaves_) l.truncate_rows(rows);
  rows_ = rows;
  depth_ = 0;
  failed_ = false;
  error_.clear();
}

void ColumnBatch::fail(std::string message) {
  if (failed_) return;
  failed_ = true;
  error_ = std::move(message);
}

void ColumnBatch::fail_range(ColumnRef column, std::int64_t v) {
  const LeafInfo& info = schema_->leaves()[column.leaf];
  if (hot_[column.leaf].lo > hot_[column.leaf].hi) return fail_column("integer set on", column);
  fail(fmt::format("parquet: value {} out of range for column '{}' ({})", v, info.dotted_path, to_string(info.type)));
}

void ColumnBatch::fail_range_unsigned(ColumnRef column, std::uint64_t v) {
  const LeafInfo& info = schema_->leaves()[column.leaf];
  fail(fmt::format("parquet: value {} out of range for column '{}' ({})", v, info.dotted_path, to_string(info.type)));
}

void ColumnBatch::fail_value(ColumnRef column) {
  const Frame* f = top();
  if (f == nullptr) return fail("parquet: value set outside begin_row()/end_row()");
  if (f->container) return fail_column("begin_element() missing before setting", column);
  if (hot_[column.leaf].frame_node != f->node) return fail_column("value outside its list element or row for", column);
  fail_column("duplicate value for", column);
}

void ColumnBatch::fail_column(const char* what, ColumnRef column) {
  const LeafInfo& info = schema_->leaves()[column.leaf];
  fail(fmt::format("parquet: {} column '{}' ({})", what, info.dotted_path, to_string(info.type)));
}

void ColumnBatch::grow_frames() {
  // Never needed for a schema-conforming row: lists nest at most max_rep deep.
  fail("parquet: lists nested deeper than the schema");
}

void ColumnBatch::begin_row() {
  if (depth_ > 0) {
    // An unfinished row is discarded.
    for (LeafColumn& l : leaves_) l.truncate_rows(rows_);
  }
  depth_ = 0;
  failed_ = false;
  Frame root;
  root.id = ++next_id_;
  frames_[depth_++] = root;
}

Status ColumnBatch::end_row() {
  if (depth_ == 0) {
    fail("parquet: end_row() without begin_row()");
  } else if (!failed_ && depth_ != 1) {
    fail("parquet: end_row() while a list or map is still open");
  }
  if (!failed_) fill_unset(frames_[0]);
  depth_ = 0;
  if (failed_) {
    for (LeafColumn& l : leaves_) l.truncate_rows(rows_);
    failed_ = false;
    return make_error(ErrorCode::kInvalidArgument, std::move(error_));
  }
  ++rows_;
  return {};
}

void ColumnBatch::fill_unset(const Frame& frame) {
  fill_children(frame.node, frame.id, def_[frame.node], frame.rep);
}

void ColumnBatch::fill_children(std::uint32_t node, std::uint64_t id, std::uint8_t def, std::uint8_t rep) {
  // Walks the children of a node present in instance `id`. A leaf not written gets a null at
  // `def`; a present (or required) struct is walked; a list or map begun in this instance has
  // already given its leaves their entries; anything else absent gives all its leaves one null.
  const std::uint32_t end = subtree_end_[node];
  for (std::uint32_t c = node + 1; c < end; c = subtree_end_[c]) {
    const Role role = role_[c];
    if (role == Role::kLeaf) {
      const std::uint32_t l = leaf_begin_[c];
      if (leaf_stamp_[l] >= id) continue;
      if (def >= hot_[l].max_def) [[unlikely]] {
        fail(fmt::format("parquet: required column '{}' not set", schema_->leaves()[l].dotted_path));
        return;
      }
      leaves_[l].add_null(def, rep);
      leaf_stamp_[l] = id;
    } else if (node_stamp_[c] >= id || (role == Role::kStruct && !optional_[c])) {
      if (role == Role::kStruct) {
        fill_children(c, id, def_[c], rep);
        if (failed_) return;
      }
    } else {
      for (std::uint32_t l = leaf_begin_[c]; l < leaf_end_[c]; ++l) {
        leaves_[l].add_null(def, rep);
        leaf_stamp_[l] = id;
      }
    }
  }
}

void ColumnBatch::set_null(ColumnRef column) {
  if (failed_) return;
  const LeafHot& h = hot_[column.leaf];
  if (!h.optional) return fail_column("null for required", column);
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_null(static_cast<std::uint8_t>(h.max_def - 1), rep);
}

void ColumnBatch::begin_struct(NodeRef group) {
  if (failed_) return;
  const Frame* f = top();
  if (f == nullptr) return fail("parquet: begin_struct() outside a row");
  const SchemaNode& n = schema_->nodes().at(group.index);
  if (n.role != Role::kStruct)
    return fail(fmt::format("parquet: '{}' is not a struct", schema_->node_path(group.index)));
  if (f->container || n.frame_node != f->node) {
    return fail(
        fmt::format("parquet: struct '{}' begun outside its list element or row", schema_->node_path(group.index)));
  }
  mark_present(group.index, *f);
}

void ColumnBatch::begin_list(NodeRef list) {
  if (failed_) return;
  const Frame* top_frame = top();
  if (top_frame == nullptr) return fail("parquet: begin_list() outside a row");
  const Frame f = *top_frame;
  const SchemaNode& n = schema_->nodes().at(list.index);
  if (n.role != Role::kList && n.role != Role::kMap) {
    return fail(fmt::format("parquet: '{}' is not a list or map", schema_->node_path(list.index)));
  }
  if (f.container || n.frame_node != f.node) {
    return fail(
        fmt::format("parquet: list '{}' begun outside its list element or row", schema_->node_path(list.index)));
  }
  if (node_stamp_[list.index] >= f.id) {
    return fail(fmt::format("parquet: list '{}' set twice", schema_->node_path(list.index)));
  }
  mark_present(list.index, f);
  Frame c;
  c.id = f.id;
  c.node = list.index + 1;  // the repeated child ("list" / "key_value") follows its parent depth-first
  c.rep = f.rep;
  const SchemaNode& repeated = schema_->nodes()[c.node];
  c.element_rep = repeated.rep_level;
  c.container = true;
  push(c);
}

void ColumnBatch::end_list() {
  if (failed_) return;
  const Frame* t = top();
  if (t == nullptr || !t->container) return fail("parquet: end_list() without begin_list()");
  const Frame c = *t;
  --depth_;
  if (c.count > 0) return;
  // An empty list: one entry per leaf at the list's own (present) definition level.
  const SchemaNode& r = schema_->nodes()[c.node];
  const auto def = static_cast<std::uint8_t>(r.def_level - 1);
  for (std::uint32_t l = r.leaf_begin; l < r.leaf_end; ++l) {
    leaves_[l].add_null(def, c.rep);
    leaf_stamp_[l] = c.id;
  }
}

Status ColumnBatch::validate() const {
  const auto& infos = schema_->leaves();
  for (std::size_t i = 0; i < leaves_.size(); ++i) {
    const LeafColumn& l = leaves_[i];
    const LeafInfo& info = infos[i];
    auto bad = [&](const std::string& what) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("parquet: column '{}': {}", info.dotted_path, what));
    };
    if (l.num_row_starts() != rows_) return bad(fmt::format("{} rows, batch has {}", l.num_row_starts(), rows_));
    const auto def = l.def_levels();
    const auto rep = l.rep_levels();
    std::size_t present = l.num_levels();
    if (info.max_def > 0) {
      present = 0;
      std::uint8_t highest = 0;
      for (const std::uint8_t d : def) {
        present += d == info.max_def ? 1 : 0;
        highest = std::max(highest, d);
      }
      if (highest > info.max_def) return bad(fmt::format("definition level {} > max {}", highest, info.max_def));
    }
    if (present != l.num_values()) {
      return bad(fmt::format("{} values for {} defined entries", l.num_values(), present));
    }
    if (info.max_rep > 0) {
      if (!rep.empty() && rep[0] != 0) return bad("first repetition level is not 0");
      for (std::size_t k = 0; k < rep.size(); ++k) {
        const std::uint8_t r = rep[k];
        if (r > info.max_rep) return bad(fmt::format("repetition level {} > max {}", r, info.max_rep));
        if (r > 0 && def[k] < info.def_of_rep[r]) {
          return bad(fmt::format("entry {} repeats at level {} below a null parent (definition {})", k, r, def[k]));
        }
      }
    }
  }
  return {};
}

}  // namespace tdump::parquet
