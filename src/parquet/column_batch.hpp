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
  [[nodiscard]] const LeafColumn& leaf(std::size_t i) const { return leaves_[i]; }
  [[nodiscard]] std::size_t num_leaves() const noexcept { return leaves_.size(); }
  // Raw size of everything buffered (levels and values), for sizing row groups and batches.
  [[nodiscard]] std::size_t buffered_bytes() const noexcept;
  // Forgets all rows, keeps every buffer's capacity.
  void clear();

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

  // --- Low-level API -----------------------------------------------------------------------
  // Direct access to a leaf's levels and values. After appending every leaf's entries for n
  // rows, call add_raw_rows(n). Do not mix with the row builder inside one row.
  [[nodiscard]] LeafColumn& raw(ColumnRef column) { return leaves_[column.leaf]; }
  void add_raw_rows(std::size_t n) { rows_ += n; }

  // Checks every leaf's levels against the schema (range, row count, value count, nesting).
  [[nodiscard]] Status validate() const;

 private:
  struct Frame {
    std::uint64_t id = 0;        // instance id: stamps >= id mean "written in this instance"
    std::uint32_t node = 0;      // the root or the repeated node this frame instantiates
    std::uint32_t count = 0;     // container frames: elements begun so far
    std::uint8_t rep = 0;        // repetition level of the first entry of each leaf in this instance
    bool container = false;      // between elements of a list/map
  };

  // Starts a value of `column` in the current instance; returns nullptr (and records an error) on misuse.
  LeafColumn* begin_value(ColumnRef column, std::uint8_t& rep);
  void mark_present(std::uint32_t node, const Frame& frame);
  void fill_unset(const Frame& frame, std::uint32_t leaf_begin, std::uint32_t leaf_end);
  void fail(std::string message);
  bool check_int_range(ColumnRef column, std::int64_t v);
  void put_int(ColumnRef column, std::int64_t v);

  SchemaPtr schema_;
  std::vector<LeafColumn> leaves_;
  std::vector<std::uint64_t> stamp_;  // per schema node: id of the last instance it was written/present in
  std::vector<Frame> frames_;
  std::uint64_t next_id_ = 0;
  std::size_t rows_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace tdump::parquet
