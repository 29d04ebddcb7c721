#pragma once
// One header in flight: the incremental protocol of src/tiff driven by asynchronous range
// reads of a store. A prefetch first; then, round by round, exactly the ranges the parser asks
// for, all of a round in flight together. Completion callbacks run on the store's I/O threads;
// the last read of a round to complete parses in place and either finishes or starts the next
// round. Objects are reused from key to key (their buffers keep their capacity).
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "dump/row_encoder.hpp"
#include "store/object_store.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"
#include "tiff/parser.hpp"

namespace tdump::dump {

struct FetchSettings {
  std::uint64_t prefetch = std::uint64_t{16} * 1024;
  std::uint32_t max_rounds = 32;  // parse rounds per header (each fetches what the parser lists)
  tiff::ParseLimits limits;
};

class HeaderFetch {
 public:
  using Done = std::function<void(HeaderFetch&)>;

  // Starts fetching `meta.key`; `done` runs once, on an I/O thread, when the header is parsed or
  // has failed. The store, settings and parser must outlive the fetch.
  void start(store::ObjectStore& store, store::ObjectMeta meta, const FetchSettings& settings,
             const tiff::HeaderParser& parser, Done done);

  // Results, valid inside `done` (the header points into this object's buffers).
  [[nodiscard]] bool ok() const { return !error_; }
  [[nodiscard]] const store::ObjectMeta& meta() const { return meta_; }
  [[nodiscard]] const tiff::TiffHeader& header() const { return header_; }
  // The GeoKeys of IFD 0 (present == false when it has none).
  [[nodiscard]] const tiff::GeoKeySet& geokeys() const { return geokeys_; }
  [[nodiscard]] const FetchFacts& facts() const { return facts_; }
  [[nodiscard]] Stage failed_stage() const { return failed_stage_; }
  [[nodiscard]] const Error& error() const { return *error_; }
  // Stable name of the failure: the TIFF error kind for parse failures, else the error category.
  [[nodiscard]] std::string_view error_kind() const;

 private:
  void issue(const std::vector<tiff::ByteRange>& ranges);
  void on_read(std::size_t slot, Result<store::RangeRead> result);
  void process_round();
  void finish();
  void fail(Stage stage, Error error);

  store::ObjectStore* store_ = nullptr;
  const FetchSettings* settings_ = nullptr;
  const tiff::HeaderParser* parser_ = nullptr;
  Done done_;

  store::ObjectMeta meta_;
  std::optional<std::uint64_t> file_size_;
  std::vector<std::string> buffers_;      // every range read so far, one buffer each
  std::vector<std::uint64_t> offsets_;    // file offset of each buffer
  std::vector<std::uint64_t> requested_;  // length asked for each buffer
  std::vector<std::optional<Error>> read_errors_;
  std::vector<std::uint32_t> attempts_;
  std::vector<std::optional<std::uint64_t>> object_sizes_;
  std::vector<tiff::ByteChunk> chunks_;
  std::atomic<std::size_t> pending_{0};
  std::uint32_t rounds_ = 0;
  tiff::TiffHeader header_;
  tiff::GeoKeySet geokeys_;
  tiff::TiffError geokey_error_;
  FetchFacts facts_;
  std::optional<Error> error_;
  Stage failed_stage_ = Stage::kFetch;
};

}  // namespace tdump::dump
