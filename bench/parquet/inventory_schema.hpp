#pragma once
// A schema and row generator shaped like BRIEF §3's inventory row (47 top-level columns:
// strings, integers, doubles, a timestamp, binary, lists, a 45-field geokeys struct, two maps and
// a list of IFD structs), for benchmarking the writer on the pipeline's real workload.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "parquet/column_batch.hpp"
#include "parquet/schema.hpp"

namespace tdump::parquet::bench {

class InventoryRows {
 public:
  InventoryRows();
  [[nodiscard]] const SchemaPtr& schema() const { return schema_; }
  // Appends row number i (deterministic for a given i).
  void append(ColumnBatch& batch, std::uint64_t i);

 private:
  SchemaPtr schema_;
  std::vector<ColumnRef> c_;  // leaf columns by name order of lookup
  std::vector<ColumnRef> geokeys_;
  NodeRef bits_, min_sample_, max_sample_, extra_samples_, sample_format_, pixel_scale_, tiepoint_, transformation_;
  NodeRef other_tags_, other_geokeys_, ifds_, ifd_bits_;
  ColumnRef bits_e_, extra_e_, format_e_, scale_e_, tie_e_, tag_k_, tag_v_, gk_k_, gk_v_;
  ColumnRef ifd_w_, ifd_h_, ifd_tw_, ifd_th_, ifd_nst_, ifd_comp_, ifd_spp_, ifd_bits_e_, ifd_photo_;
  std::string scratch_;
  std::mt19937_64 rng_{42};
};

}  // namespace tdump::parquet::bench
