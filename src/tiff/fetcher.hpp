#pragma once
// The header session (session.hpp) driven to its verdict over a synchronous range reader: the
// thin blocking loop of `tiff-dumper inspect` and of the tests. (The `headers` pipeline drives
// the same session from its event loop: src/dump/header_fetch.)
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "common/result.hpp"
#include "tiff/header.hpp"
#include "tiff/session.hpp"

namespace tdump::tiff {

// Reads file bytes [offset, offset + buffer.size()) into `buffer` and returns how many bytes it
// read: fewer only when the file ends. I/O failures are errors.
using RangeReader = std::function<Result<std::uint64_t>(std::uint64_t offset, std::span<std::uint8_t> buffer)>;

struct FetchStats {
  std::uint32_t reads = 0;   // range reads issued
  std::uint32_t rounds = 0;  // parse rounds (1 for a header, COG facts included, in the prefetch)
  std::uint64_t bytes = 0;   // bytes read
};

class HeaderFetcher {
 public:
  explicit HeaderFetcher(SessionLimits limits = {}) : session_(limits) {}

  // Reads one header. The verdict is session().state(): kDone (header, warnings, GeoKeys, COG
  // report) or kFailed (session().error()). Errors: the reader's own, and a kFailed verdict as
  // a TiffError turned Error.
  Status fetch(const RangeReader& read, std::optional<std::uint64_t> file_size);
  // The same, copying the header out (it still points into this fetcher's buffers: valid until
  // the next fetch) and counting the reads.
  Status fetch(const RangeReader& read, std::optional<std::uint64_t> file_size, TiffHeader& out, FetchStats& stats);

  // Called by a reader, inside its read, when the store said how large the object is (a
  // Content-Range total): the session learns it as `headers` does from a RangeRead.
  void report_object_size(std::uint64_t size) noexcept { session_.set_object_size(current_read_, size); }

  [[nodiscard]] const HeaderSession& session() const noexcept { return session_; }
  [[nodiscard]] FetchStats stats() const noexcept {
    return FetchStats{session_.requests(), session_.rounds(), session_.bytes_read()};
  }

 private:
  HeaderSession session_;
  std::size_t current_read_ = 0;  // the read of the round in progress (report_object_size)
};

}  // namespace tdump::tiff
