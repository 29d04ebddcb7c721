#include "parquet/column_batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace tdump::parquet {

namespace {
using Role = SchemaNode::Role;
}

ColumnBatch::ColumnBatch(SchemaPtr schema) : schema_(std::move(schema)) {
  leaves_.reserve(schema_->num_leaves());
  for (const LeafInfo& l : schema_->leaves()) leaves_.emplace_back(l.physical, l.max_def, l.max_rep);
  stamp_.assign(schema_->nodes().size(), 0);
  frames_.reserve(16);
}

std::size_t ColumnBatch::buffered_bytes() const noexcept {
  std::size_t total = 0;
  for (const LeafColumn& l : leaves_) total += l.buffered_bytes();
  return total;
}

void ColumnBatch::clear() {
  for (LeafColumn& l : leaves_) l.clear();
  frames_.clear();
  rows_ = 0;
  failed_ = false;
  error_.clear();
}

void ColumnBatch::fail(std::string message) {
  if (failed_) return;
  failed_ = true;
  error_ = std::move(message);
}

void ColumnBatch::begin_row() {
  if (!frames_.empty()) {
    // An unfinished row is discarded.
    for (LeafColumn& l : leaves_) l.truncate_rows(rows_);
  }
  frames_.clear();
  failed_ = false;
  Frame root;
  root.id = ++next_id_;
  frames_.push_back(root);
}

Status ColumnBatch::end_row() {
  if (frames_.empty()) {
    fail("parquet: end_row() without begin_row()");
  } else if (!failed_ && frames_.size() != 1) {
    fail("parquet: end_row() while a list or map is still open");
  }
  if (!failed_) fill_unset(frames_[0], 0, static_cast<std::uint32_t>(leaves_.size()));
  frames_.clear();
  if (failed_) {
    for (LeafColumn& l : leaves_) l.truncate_rows(rows_);
    failed_ = false;
    return make_error(ErrorCode::kInvalidArgument, std::move(error_));
  }
  ++rows_;
  return {};
}

void ColumnBatch::mark_present(std::uint32_t node, const Frame& frame) {
  const auto& nodes = schema_->nodes();
  for (std::uint32_t n = node; n != frame.node && stamp_[n] < frame.id; n = nodes[n].parent) stamp_[n] = frame.id;
}

void ColumnBatch::fill_unset(const Frame& frame, std::uint32_t leaf_begin, std::uint32_t leaf_end) {
  const auto& nodes = schema_->nodes();
  const auto& infos = schema_->leaves();
  for (std::uint32_t l = leaf_begin; l < leaf_end; ++l) {
    const std::uint32_t node = infos[l].node;
    if (stamp_[node] >= frame.id) continue;
    // The null goes at the level of the deepest ancestor present in this instance.
    std::uint32_t a = nodes[node].parent;
    while (a != frame.node && stamp_[a] < frame.id) a = nodes[a].parent;
    const std::uint8_t def = nodes[a].def_level;
    if (def >= infos[l].max_def) {
      fail(fmt::format("parquet: required column '{}' not set", infos[l].dotted_path));
      return;
    }
    leaves_[l].add_null(def, frame.rep);
    stamp_[node] = frame.id;
  }
}

LeafColumn* ColumnBatch::begin_value(ColumnRef column, std::uint8_t& rep) {
  if (failed_) return nullptr;
  if (frames_.empty()) {
    fail("parquet: value set outside begin_row()/end_row()");
    return nullptr;
  }
  const Frame& f = frames_.back();
  const LeafInfo& info = schema_->leaves()[column.leaf];
  const SchemaNode& n = schema_->nodes()[info.node];
  if (f.container) {
    fail(fmt::format("parquet: column '{}' set between elements (begin_element() missing)", info.dotted_path));
    return nullptr;
  }
  if (n.frame_node != f.node) {
    fail(fmt::format("parquet: column '{}' set outside its list element or row", info.dotted_path));
    return nullptr;
  }
  if (stamp_[info.node] >= f.id) {
    fail(fmt::format("parquet: column '{}' set twice", info.dotted_path));
    return nullptr;
  }
  stamp_[info.node] = f.id;
  mark_present(n.parent, f);
  rep = f.rep;
  return &leaves_[column.leaf];
}

void ColumnBatch::set_null(ColumnRef column) {
  if (failed_) return;
  const LeafInfo& info = schema_->leaves()[column.leaf];
  if (schema_->nodes()[info.node].repetition != format::Repetition::kOptional) {
    fail(fmt::format("parquet: required column '{}' set to null", info.dotted_path));
    return;
  }
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_null(static_cast<std::uint8_t>(info.max_def - 1), rep);
}

void ColumnBatch::set_bool(ColumnRef column, bool v) {
  if (failed_) return;
  const LeafInfo& info = schema_->leaves()[column.leaf];
  if (info.type != ColumnType::kBool) {
    fail(fmt::format("parquet: set_bool on {} column '{}'", to_string(info.type), info.dotted_path));
    return;
  }
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_bool(v, rep);
}

bool ColumnBatch::check_int_range(ColumnRef column, std::int64_t v) {
  const LeafInfo& info = schema_->leaves()[column.leaf];
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  switch (info.type) {
    case ColumnType::kInt8:
      lo = -128, hi = 127;
      break;
    case ColumnType::kInt16:
      lo = -32768, hi = 32767;
      break;
    case ColumnType::kInt32:
      lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
      break;
    case ColumnType::kUInt8:
      lo = 0, hi = 255;
      break;
    case ColumnType::kUInt16:
      lo = 0, hi = 65535;
      break;
    case ColumnType::kUInt32:
      lo = 0, hi = std::numeric_limits<std::uint32_t>::max();
      break;
    case ColumnType::kUInt64:
      lo = 0;
      break;
    case ColumnType::kInt64:
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
      break;
    case ColumnType::kBool:
    case ColumnType::kDouble:
    case ColumnType::kString:
    case ColumnType::kBinary:
      fail(fmt::format("parquet: integer set on {} column '{}'", to_string(info.type), info.dotted_path));
      return false;
  }
  if (v < lo || v > hi) {
    fail(fmt::format("parquet: value {} out of range for {} column '{}'", v, to_string(info.type), info.dotted_path));
    return false;
  }
  return true;
}

void ColumnBatch::put_int(ColumnRef column, std::int64_t v) {
  std::uint8_t rep = 0;
  LeafColumn* leaf = begin_value(column, rep);
  if (leaf == nullptr) return;
  if (leaf->physical() == PhysicalType::kInt32) {
    // uint32 keeps its bit pattern in the INT32 physical type (the spec's UINT_32 storage).
    leaf->add_int32(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)), rep);
  } else {
    leaf->add_int64(v, rep);
  }
}

void ColumnBatch::set_int(ColumnRef column, std::int64_t v) {
  if (failed_ || !check_int_range(column, v)) return;
  put_int(column, v);
}

void ColumnBatch::set_uint(ColumnRef column, std::uint64_t v) {
  if (failed_) return;
  const LeafInfo& info = schema_->leaves()[column.leaf];
  if (info.type == ColumnType::kUInt64) {
    put_int(column, static_cast<std::int64_t>(v));  // the bits, as the spec stores UINT_64
    return;
  }
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    fail(fmt::format("parquet: value {} out of range for {} column '{}'", v, to_string(info.type), info.dotted_path));
    return;
  }
  set_int(column, static_cast<std::int64_t>(v));
}

void ColumnBatch::set_double(ColumnRef column, double v) {
  if (failed_) return;
  const LeafInfo& info = schema_->leaves()[column.leaf];
  if (info.type != ColumnType::kDouble) {
    fail(fmt::format("parquet: set_double on {} column '{}'", to_string(info.type), info.dotted_path));
    return;
  }
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_double(v, rep);
}

void ColumnBatch::set_string(ColumnRef column, std::string_view v) {
  if (failed_) return;
  const LeafInfo& info = schema_->leaves()[column.leaf];
  if (info.physical != PhysicalType::kByteArray) {
    fail(fmt::format("parquet: set_string on {} column '{}'", to_string(info.type), info.dotted_path));
    return;
  }
  if (v.size() > std::numeric_limits<std::int32_t>::max()) {
    fail(fmt::format("parquet: value of {} bytes too large for column '{}'", v.size(), info.dotted_path));
    return;
  }
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_bytes(v, rep);
}

void ColumnBatch::begin_struct(NodeRef group) {
  if (failed_) return;
  if (frames_.empty()) return fail("parquet: begin_struct() outside a row");
  const SchemaNode& n = schema_->nodes().at(group.index);
  const Frame& f = frames_.back();
  if (n.role != Role::kStruct) return fail(fmt::format("parquet: '{}' is not a struct", schema_->node_path(group.index)));
  if (f.container || n.frame_node != f.node) {
    return fail(fmt::format("parquet: struct '{}' begun outside its list element or row", schema_->node_path(group.index)));
  }
  mark_present(group.index, f);
}

void ColumnBatch::begin_list(NodeRef list) {
  if (failed_) return;
  if (frames_.empty()) return fail("parquet: begin_list() outside a row");
  const SchemaNode& n = schema_->nodes().at(list.index);
  const Frame f = frames_.back();
  if (n.role != Role::kList && n.role != Role::kMap) {
    return fail(fmt::format("parquet: '{}' is not a list or map", schema_->node_path(list.index)));
  }
  if (f.container || n.frame_node != f.node) {
    return fail(fmt::format("parquet: list '{}' begun outside its list element or row", schema_->node_path(list.index)));
  }
  if (stamp_[list.index] >= f.id) return fail(fmt::format("parquet: list '{}' set twice", schema_->node_path(list.index)));
  mark_present(list.index, f);
  Frame c;
  c.id = f.id;
  c.node = list.index + 1;  // the repeated child ("list" / "key_value") follows its parent depth-first
  c.rep = f.rep;
  c.container = true;
  frames_.push_back(c);
}

void ColumnBatch::end_list() {
  if (failed_) return;
  if (frames_.empty() || !frames_.back().container) return fail("parquet: end_list() without begin_list()");
  const Frame c = frames_.back();
  frames_.pop_back();
  if (c.count > 0) return;
  // An empty list: one entry per leaf at the list's own (present) definition level.
  const SchemaNode& r = schema_->nodes()[c.node];
  const auto def = static_cast<std::uint8_t>(r.def_level - 1);
  const auto& infos = schema_->leaves();
  for (std::uint32_t l = r.leaf_begin; l < r.leaf_end; ++l) {
    leaves_[l].add_null(def, c.rep);
    stamp_[infos[l].node] = c.id;
  }
}

void ColumnBatch::begin_element() {
  if (failed_) return;
  if (frames_.empty() || !frames_.back().container) return fail("parquet: begin_element() outside a list or map");
  Frame& c = frames_.back();
  Frame e;
  e.id = ++next_id_;
  e.node = c.node;
  // The first element continues the enclosing instance's repetition level; later ones repeat at this list's level.
  e.rep = c.count == 0 ? c.rep : schema_->nodes()[c.node].rep_level;
  ++c.count;
  frames_.push_back(e);
}

void ColumnBatch::end_element() {
  if (failed_) return;
  if (frames_.size() < 2 || frames_.back().container) return fail("parquet: end_element() without begin_element()");
  const Frame e = frames_.back();
  const SchemaNode& r = schema_->nodes()[e.node];
  fill_unset(e, r.leaf_begin, r.leaf_end);
  frames_.pop_back();
}

void ColumnBatch::append_int(ColumnRef element, std::int64_t v) {
  begin_element();
  set_int(element, v);
  end_element();
}

void ColumnBatch::append_uint(ColumnRef element, std::uint64_t v) {
  begin_element();
  set_uint(element, v);
  end_element();
}

void ColumnBatch::append_double(ColumnRef element, double v) {
  begin_element();
  set_double(element, v);
  end_element();
}

void ColumnBatch::append_string(ColumnRef element, std::string_view v) {
  begin_element();
  set_string(element, v);
  end_element();
}

void ColumnBatch::append_null_element() {
  begin_element();
  end_element();
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
