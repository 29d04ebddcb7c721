#pragma once
// One header in flight: the header session of src/tiff (session.hpp) driven by asynchronous
// range reads of a store. The session says what to read, round by round; all reads of a round
// are in flight together. Completion callbacks run on the store's I/O threads; the last read of
// a round to complete hands the round to the session, which either finishes or asks for the next
// round. Objects are reused from key to key (their buffers keep their capacity).
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "schema/row_encoder.hpp"
#include "store/object_store.hpp"
#include "tiff/session.hpp"

namespace tdump::dump {

class HeaderFetch {
 public:
  using Done = std::function<void(HeaderFetch&)>;

  explicit HeaderFetch(const tiff::SessionLimits& limits) : session_(limits) {}

  // Starts fetching `meta.key`; `done` runs once, on an I/O thread, when the header is parsed or
  // has failed. The store must outlive the fetch.
  void start(store::ObjectStore& store, store::ObjectMeta meta, Done done);

  // Results, valid inside `done` (the header points into the session's buffers).
  [[nodiscard]] bool ok() const { return !error_; }
  [[nodiscard]] const store::ObjectMeta& meta() const { return meta_; }
  // The session: header (with its warnings), GeoKeys of IFD 0 and COG report when ok().
  [[nodiscard]] const tiff::HeaderSession& session() const { return session_; }
  [[nodiscard]] const tiff::TiffHeader& header() const { return session_.header(); }
  [[nodiscard]] const tiff::GeoKeySet& geokeys() const { return session_.geokeys(); }
  [[nodiscard]] const schema::FetchFacts& facts() const { return facts_; }
  [[nodiscard]] schema::Stage failed_stage() const { return failed_stage_; }
  [[nodiscard]] const Error& error() const { return *error_; }
  // Stable name of the failure: the TIFF error kind for parse failures, else the error category.
  [[nodiscard]] std::string_view error_kind() const;

 private:
  void issue();
  void on_read(std::size_t slot, Result<store::RangeRead> result);
  void process_round();
  void finish();
  void fail(schema::Stage stage, Error error);

  store::ObjectStore* store_ = nullptr;
  Done done_;
  store::ObjectMeta meta_;
  tiff::HeaderSession session_;
  // Per read of the current round (sized before the round's reads start; each callback touches
  // only its own slot).
  std::vector<std::optional<Error>> read_errors_;
  std::vector<std::uint32_t> attempts_;
  std::atomic<std::size_t> pending_{0};
  std::uint32_t attempts_total_ = 0;
  schema::FetchFacts facts_;
  std::optional<Error> error_;
  schema::Stage failed_stage_ = schema::Stage::kFetch;
};

}  // namespace tdump::dump
