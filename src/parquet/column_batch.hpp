#pragma once
// ColumnBatch: the rows of one file (or one write) in columnar form, built one row at a time.
//
//   ColumnBatch batch(schema);
//   batch.begin_row();
//   batch.set_string(path, "a/b.tif");         // leaves: set_*; an unset optional leaf is null
//   batch.set_uint(geokeys_model_type, 2);      // a leaf inside an optional struct makes the struct present
//   batch.begin_list(ifds);                     // lists and maps: explicit begin/end
//   batch.begin_element(); batch.set_uint(ifd_width, 256); batch.end_element();
//   batch.end_list();
//   if (auto s = batch.end_row(); !s) ...       // a misuse rolls the row back and reports why
//
// Definition and repetition levels are computed here: every leaf gets exactly one entry per
// struct/element/row instance it lives in; leaves not set by end_element()/end_row() get a null
// entry at the level of their deepest present ancestor (so an untouched optional struct is
// null, a touched one has null fields). An unset list or map is null; a begun one with no
// element is empty. begin_struct() marks a struct present without setting any field.
//
// Appending costs no heap allocation once the buffers have grown (strings are copied into a
// per-column arena); clear() keeps the capacity so a batch can be reused for the next file.
// The low-level alternative: raw(column) exposes a leaf's LeafColumn to append levels and
// values directly, then add_raw_rows(n); ParquetWriter validates the levels either way.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "parquet/leaf_column.hpp"
#include "parquet/schema.hpp"

namespace tdump::parquet {

class ColumnBatch {
 public:
  explicit ColumnBatch(SchemaPtr schema);

  [[nodiscard]] const SchemaPtr& schema() const noexcept { return schema_; }
  [[nodiscard]] std::size_t num_rows() const noexcept { return rows_; }
  // True between begin_row() and end_row().
  [[nodiscard]] bool row_open() const noexcept { return depth_ > 0; }
  [[nodiscard]] const LeafColumn& leaf(std::size_t i) const { return leaves_[i]; }
  [[nodiscard]] std::size_t num_leaves() const noexcept { return leaves_.size(); }
  // Raw size of everything buffered (levels and values), for sizing row groups and batches.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;
  // Forgets all rows, keeps every buffer's capacity.
  void clear();
  // Puts the batch back to the state it had when it held `rows` rows: later rows, and a row
  // still open, are dropped (rows >= num_rows() only closes an open row). For a caller that
  // appends one logical row in several steps and must undo all of them when one fails, so a
  // failure never leaves a half row or takes the earlier rows with it. Costs O(entries) for
  // repeated leaves; keeps the buffers' capacity.
  void rollback(std::size_t rows);

  // --- Row builder -------------------------------------------------------------------------
  void begin_row();
  // Fills unset leaves with nulls and commits the row; on any misuse since begin_row() the row
  // is rolled back and the first error is returned (the batch stays usable).
  Status end_row();

  void set_null(ColumnRef column);
  void set_bool(ColumnRef column, bool v);
  // Integers go to any integer or timestamp column; out-of-range values for the column's type are an error.
  void set_int(ColumnRef column, std::int64_t v);
  void set_uint(ColumnRef column, std::uint64_t v);
  void set_double(ColumnRef column, double v);
  // STRING (UTF-8, not checked) and BINARY columns.
  void set_string(ColumnRef column, std::string_view v);
  void set_bytes(ColumnRef column, std::string_view v) { set_string(column, v); }
  // STRING/BINARY values the caller passes again and again (a cache entry), named by `id`: one
  // id must always name the same bytes. Stored once per batch (LeafColumn::add_shared_bytes), so
  // a repeated large value costs no copy.
  void set_shared_string(ColumnRef column, std::string_view v, std::uint64_t id);

  // Marks an optional struct present (its unset fields become null); end_struct is for symmetry.
  void begin_struct(NodeRef group);
  void end_struct(NodeRef /*group*/) {}

  // LIST: begin_list(list), then per element begin_element() ... end_element(), then end_list().
  // For a primitive element, set the element column between begin_element/end_element
  // (or use append_*); an element with nothing set is a null element.
  void begin_list(NodeRef list);
  void end_list();
  void begin_element();
  void end_element();
  // MAP: the same with entries; set the "key" (required) and "value" columns inside each entry.
  void begin_map(NodeRef map) { begin_list(map); }
  void end_map() { end_list(); }
  void begin_entry() { begin_element(); }
  void end_entry() { end_element(); }

  // Shorthands for one whole element of a primitive list: begin_element + set + end_element.
  void append_int(ColumnRef element, std::int64_t v);
  void append_uint(ColumnRef element, std::uint64_t v);
  void append_double(ColumnRef element, double v);
  void append_string(ColumnRef element, std::string_view v);
  void append_null_element();
  // A run of n elements of a primitive list at once (inside begin_list/end_list): the same entries
  // as n append_double/append_uint calls with value_at(0) ... value_at(n - 1), checked once for
  // the run instead of once per element. The row encoder's tag and geo lists go through these.
  template <class ValueAt>
  void append_doubles(ColumnRef element, std::size_t n, ValueAt&& value_at);
  template <class ValueAt>
  void append_uints(ColumnRef element, std::size_t n, ValueAt&& value_at);

  // --- Low-level API -----------------------------------------------------------------------
  // Direct access to a leaf's levels and values. After appending every leaf's entries for n
  // rows, call add_raw_rows(n). Do not mix with the row builder inside one row.
  [[nodiscard]] LeafColumn& raw(ColumnRef column) {
    raw_used_ = true;
    return leaves_[column.leaf];
  }
  // Whether raw() was used since the last clear(): then the writer validates the levels.
  [[nodiscard]] bool raw_used() const noexcept { return raw_used_; }
  void add_raw_rows(std::size_t n) { rows_ += n; }

  // Checks every leaf's levels against the schema (range, row count, value count, nesting).
  [[nodiscard]] Status validate() const;

 private:
  struct Frame {
    std::uint64_t id = 0;          // instance id: stamps >= id mean "written in this instance"
    std::uint32_t node = 0;        // the root or the repeated node this frame instantiates
    std::uint32_t count = 0;       // container frames: elements begun so far
    std::uint32_t writes = 0;      // leaves written directly in this instance (fast path of end_element)
    std::uint8_t rep = 0;          // repetition level of the first entry of each leaf in this instance
    std::uint8_t element_rep = 0;  // container frames: repetition level of the second and later elements
    bool container = false;        // between elements of a list/map
  };
  // What the hot path needs of a leaf, packed (the schema's LeafInfo is for errors and the writer).
  struct LeafHot {
    std::int64_t lo = 0;  // integer range accepted by set_int (lo > hi: not an integer column)
    std::int64_t hi = -1;
    std::uint64_t umax = 0;  // largest value set_uint accepts (0 with lo > hi: none)
    std::uint32_t node = 0;
    std::uint32_t parent = 0;
    std::uint32_t frame_node = 0;
    std::uint8_t max_def = 0;
    ColumnType type = ColumnType::kInt32;
    PhysicalType physical = PhysicalType::kInt32;
    bool optional = false;
  };

  // The open list when `element` is its only leaf, sitting right under it (a primitive list),
  // else null: a run of elements then needs no null filling and no per-element checks.
  Frame* primitive_list(ColumnRef element) noexcept;
  // Gives the n elements of a run their instance ids and returns the first one's repetition level.
  std::uint8_t begin_run(Frame& list, ColumnRef element, std::size_t n) noexcept;
  // Starts a value of `column` in the current instance; returns nullptr (and records an error) on misuse.
  LeafColumn* begin_value(ColumnRef column, std::uint8_t& rep);
  void mark_present(std::uint32_t node, const Frame& frame);
  void fill_unset(const Frame& frame);
  void fill_children(std::uint32_t node, std::uint64_t id, std::uint8_t def, std::uint8_t rep);
  void put_int(ColumnRef column, std::int64_t v);
  // An in-range integer into its leaf: INT32 keeps a uint32's bit pattern (the spec's UINT_32 storage).
  static void add_int(LeafColumn& leaf, PhysicalType physical, std::int64_t v, std::uint8_t rep);
  Frame* top() noexcept { return depth_ > 0 ? &frames_[depth_ - 1] : nullptr; }
  bool push(const Frame& f);
  // Error paths, kept out of line.
  [[gnu::cold]] void fail(std::string message);
  [[gnu::cold]] void fail_column(const char* what, ColumnRef column);
  [[gnu::cold]] void fail_value(ColumnRef column);
  [[gnu::cold]] void fail_range(ColumnRef column, std::int64_t v);
  [[gnu::cold]] void fail_range_unsigned(ColumnRef column, std::uint64_t v);
  [[gnu::cold]] void grow_frames();

  SchemaPtr schema_;
  std::vector<LeafColumn> leaves_;
  std::vector<LeafHot> hot_;
  std::vector<std::uint32_t> parent_;       // per schema node
  std::vector<std::uint8_t> def_;           // per schema node: definition level when present
  std::vector<SchemaNode::Role> role_;      // per schema node
  std::vector<std::uint8_t> optional_;      // per schema node
  std::vector<std::uint32_t> subtree_end_;  // per schema node
  std::vector<std::uint32_t> leaf_begin_;   // per schema node
  std::vector<std::uint32_t> leaf_end_;     // per schema node
  // Per repeated node: an element whose leaves are all written needs no null filling, unless
  // lists nest below it (their leaves may still be missing).
  std::vector<std::uint32_t> direct_leaves_;
  std::vector<std::uint8_t> nested_repeated_;
  std::vector<std::uint64_t> node_stamp_;  // per schema node: last instance it was present in
  std::vector<std::uint64_t> leaf_stamp_;  // per leaf: last instance it got an entry in
  std::vector<Frame> frames_;              // fixed size: the deepest nesting needs 2 * max_rep + 1
  std::size_t depth_ = 0;
  std::uint64_t next_id_ = 0;
  std::size_t rows_ = 0;
  bool failed_ = false;
  bool raw_used_ = false;
  std::string error_;
};

// ---- Hot path, inline: the pipeline calls these ~100 times per row. ----

[[gnu::always_inline]] inline bool ColumnBatch::push(const Frame& f) {
  if (depth_ == frames_.size()) [[unlikely]] {
    grow_frames();
    return false;
  }
  frames_[depth_++] = f;
  return true;
}

[[gnu::always_inline]] inline void ColumnBatch::mark_present(std::uint32_t node, const Frame& frame) {
  for (std::uint32_t n = node; n != frame.node && node_stamp_[n] < frame.id; n = parent_[n]) node_stamp_[n] = frame.id;
}

[[gnu::always_inline]] inline LeafColumn* ColumnBatch::begin_value(ColumnRef column, std::uint8_t& rep) {
  Frame* f = top();
  const LeafHot& h = hot_[column.leaf];
  if (f == nullptr || f->container || h.frame_node != f->node || leaf_stamp_[column.leaf] >= f->id) [[unlikely]] {
    fail_value(column);
    return nullptr;
  }
  leaf_stamp_[column.leaf] = f->id;
  ++f->writes;  // a leaf is written at most once an instance (the stamp above): all of them written needs no fill
  mark_present(h.parent, *f);
  rep = f->rep;
  return &leaves_[column.leaf];
}

[[gnu::always_inline]] inline void ColumnBatch::set_bool(ColumnRef column, bool v) {
  if (failed_) return;
  if (hot_[column.leaf].type != ColumnType::kBool) [[unlikely]]
    return fail_column("set_bool on", column);
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_bool(v, rep);
}

[[gnu::always_inline]] inline void ColumnBatch::add_int(LeafColumn& leaf, PhysicalType physical, std::int64_t v,
                                                        std::uint8_t rep) {
  if (physical == PhysicalType::kInt32) {
    leaf.add_int32(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)), rep);
  } else {
    leaf.add_int64(v, rep);
  }
}

[[gnu::always_inline]] inline void ColumnBatch::put_int(ColumnRef column, std::int64_t v) {
  std::uint8_t rep = 0;
  LeafColumn* leaf = begin_value(column, rep);
  if (leaf != nullptr) add_int(*leaf, hot_[column.leaf].physical, v, rep);
}

[[gnu::always_inline]] inline void ColumnBatch::set_int(ColumnRef column, std::int64_t v) {
  if (failed_) return;
  const LeafHot& h = hot_[column.leaf];
  if (v < h.lo || v > h.hi) [[unlikely]]
    return fail_range(column, v);
  put_int(column, v);
}

[[gnu::always_inline]] inline void ColumnBatch::set_uint(ColumnRef column, std::uint64_t v) {
  if (failed_) return;
  const LeafHot& h = hot_[column.leaf];
  if (v > h.umax || h.lo > h.hi) [[unlikely]] {
    if (h.lo > h.hi) return fail_range(column, 0);
    return fail_range_unsigned(column, v);
  }
  put_int(column, static_cast<std::int64_t>(v));  // in range; a uint64 keeps its bits (the spec's UINT_64)
}

[[gnu::always_inline]] inline void ColumnBatch::set_double(ColumnRef column, double v) {
  if (failed_) return;
  if (hot_[column.leaf].type != ColumnType::kDouble) [[unlikely]]
    return fail_column("set_double on", column);
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_double(v, rep);
}

[[gnu::always_inline]] inline void ColumnBatch::set_string(ColumnRef column, std::string_view v) {
  if (failed_) return;
  if (hot_[column.leaf].physical != PhysicalType::kByteArray) [[unlikely]]
    return fail_column("set_string on", column);
  if (v.size() > 0x7FFFFFFFU) [[unlikely]]
    return fail_column("value over 2 GiB for", column);
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_bytes(v, rep);
}

inline void ColumnBatch::set_shared_string(ColumnRef column, std::string_view v, std::uint64_t id) {
  if (failed_) return;
  if (hot_[column.leaf].physical != PhysicalType::kByteArray) [[unlikely]]
    return fail_column("set_shared_string on", column);
  if (v.size() > 0x7FFFFFFFU) [[unlikely]]
    return fail_column("value over 2 GiB for", column);
  std::uint8_t rep = 0;
  if (LeafColumn* leaf = begin_value(column, rep)) leaf->add_shared_bytes(v, id, rep);
}

[[gnu::always_inline]] inline void ColumnBatch::begin_element() {
  if (failed_) return;
  Frame* c = top();
  if (c == nullptr || !c->container) [[unlikely]]
    return fail("parquet: begin_element() outside a list or map");
  Frame e;
  e.id = ++next_id_;
  e.node = c->node;
  // The first element continues the enclosing instance's repetition level; later ones repeat at this list's level.
  e.rep = c->count == 0 ? c->rep : c->element_rep;
  ++c->count;
  push(e);
}

[[gnu::always_inline]] inline void ColumnBatch::end_element() {
  if (failed_) return;
  const Frame* t = top();
  if (depth_ < 2 || t->container) [[unlikely]]
    return fail("parquet: end_element() without begin_element()");
  if (t->writes != direct_leaves_[t->node] || nested_repeated_[t->node] != 0) fill_unset(*t);
  --depth_;
}

inline void ColumnBatch::append_int(ColumnRef element, std::int64_t v) {
  begin_element();
  set_int(element, v);
  end_element();
}

inline void ColumnBatch::append_uint(ColumnRef element, std::uint64_t v) {
  begin_element();
  set_uint(element, v);
  end_element();
}

inline void ColumnBatch::append_double(ColumnRef element, double v) {
  begin_element();
  set_double(element, v);
  end_element();
}

inline void ColumnBatch::append_string(ColumnRef element, std::string_view v) {
  begin_element();
  set_string(element, v);
  end_element();
}

inline void ColumnBatch::append_null_element() {
  begin_element();
  end_element();
}

inline ColumnBatch::Frame* ColumnBatch::primitive_list(ColumnRef element) noexcept {
  Frame* c = top();
  if (failed_ || c == nullptr || !c->container) return nullptr;
  const LeafHot& h = hot_[element.leaf];
  // A leaf right under the repeated node has it as its frame; its only leaf, with no list below.
  if (h.parent != c->node || direct_leaves_[c->node] != 1 || nested_repeated_[c->node] != 0) return nullptr;
  return c;
}

inline std::uint8_t ColumnBatch::begin_run(Frame& list, ColumnRef element, std::size_t n) noexcept {
  const std::uint8_t first = list.count == 0 ? list.rep : list.element_rep;
  list.count += static_cast<std::uint32_t>(n);
  next_id_ += n;  // one instance per element, as begin_element() gives them
  leaf_stamp_[element.leaf] = next_id_;
  return first;
}

template <class ValueAt>
void ColumnBatch::append_doubles(ColumnRef element, std::size_t n, ValueAt&& value_at) {
  Frame* list = primitive_list(element);
  if (list == nullptr || hot_[element.leaf].type != ColumnType::kDouble) {
    // Not a primitive DOUBLE list, or misuse: element by element, which reports it.
    for (std::size_t k = 0; k < n; ++k) append_double(element, value_at(k));
    return;
  }
  if (n == 0) return;
  LeafColumn& leaf = leaves_[element.leaf];
  const std::uint8_t rep = list->element_rep;
  leaf.add_double(value_at(0), begin_run(*list, element, n));
  for (std::size_t k = 1; k < n; ++k) leaf.add_double(value_at(k), rep);
}

template <class ValueAt>
void ColumnBatch::append_uints(ColumnRef element, std::size_t n, ValueAt&& value_at) {
  Frame* list = primitive_list(element);
  const LeafHot& h = hot_[element.leaf];
  if (list == nullptr || h.lo > h.hi) {
    for (std::size_t k = 0; k < n; ++k) append_uint(element, value_at(k));
    return;
  }
  if (n == 0) return;
  LeafColumn& leaf = leaves_[element.leaf];
  const std::uint8_t rep = list->element_rep;
  const std::uint8_t first = begin_run(*list, element, n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t v = value_at(k);
    if (v > h.umax) [[unlikely]]
      return fail_range_unsigned(element, v);  // the row is rolled back at end_row()
    add_int(leaf, h.physical, static_cast<std::int64_t>(v), k == 0 ? first : rep);
  }
}

}  // namespace tdump::parquet
