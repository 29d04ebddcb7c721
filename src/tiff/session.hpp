#pragma once
// One header read, as a state machine with no I/O: it says which byte ranges it needs, its
// driver reads them (blocking for `inspect`, on the event loop for `headers`) and hands them
// back, round after round, until the verdict. The one place where the limits, the parse, the
// GeoKeys, the directory checks and the COG probe come together, so every command judges a file
// the same way (docs/tiff.md, "The header session").
//
//   begin(size) -> kNeedBytes: read every range of round(), fill buffer(i) (a short read means
//   the file ended), then complete_round() -> kNeedBytes again, kDone or kFailed.
//
// Reads of one round may complete concurrently on different threads: each touches only its own
// buffer(i) and set_object_size(i); complete_round() must run after all of them (the driver
// counts them).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tiff/cog.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"
#include "tiff/parser.hpp"

namespace tdump::tiff {

// The one set of limits of a header read.
struct SessionLimits {
  std::uint64_t prefetch = std::uint64_t{16} * 1024;  // bytes of the first read
  std::uint32_t max_rounds = 32;                      // rounds of reads, the prefetch included
  ParseLimits parse = lenient_parse_limits();         // parse.max_header_bytes bounds all bytes read

  // Both commands keep text that is not UTF-8 (the row encoder reads it as Latin-1).
  static ParseLimits lenient_parse_limits() {
    ParseLimits limits;
    limits.strict_ascii = false;
    return limits;
  }
};

enum class SessionState : std::uint8_t { kNeedBytes, kDone, kFailed };

class HeaderSession {
 public:
  explicit HeaderSession(SessionLimits limits = {}) : limits_(limits), parser_(limits_.parse) {}

  // Starts a file (everything from the previous one is dropped, capacity kept). `file_size` when
  // known, e.g. from a listing.
  void begin(std::optional<std::uint64_t> file_size);

  [[nodiscard]] SessionState state() const noexcept { return state_; }
  // kNeedBytes: the reads of this round.
  [[nodiscard]] std::span<const ByteRange> round() const noexcept { return round_; }
  // Where read i of this round goes (resize it to the bytes read; fewer means the file ended).
  [[nodiscard]] std::string& buffer(std::size_t i) noexcept { return buffers_[round_base_ + i]; }
  // The object's size as the server reported it with read i (Content-Range), if it did.
  void set_object_size(std::size_t i, std::optional<std::uint64_t> size) noexcept { sizes_[round_base_ + i] = size; }
  // Parses everything read so far and moves on.
  void complete_round();

  // kDone: the header (pointing into this session's buffers: valid until the next begin()), its
  // warnings (header().warnings), the GeoKeys of IFD 0 and the COG verdict.
  [[nodiscard]] const TiffHeader& header() const noexcept { return header_; }
  [[nodiscard]] const GeoKeySet& geokeys() const noexcept { return geokeys_; }
  [[nodiscard]] const CogReport& cog() const noexcept { return cog_; }
  // kFailed: why (header().error too).
  [[nodiscard]] const TiffError& error() const noexcept { return header_.error; }

  [[nodiscard]] std::uint32_t rounds() const noexcept { return rounds_; }      // parse rounds
  [[nodiscard]] std::uint32_t requests() const noexcept { return requests_; }  // range reads asked for
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  [[nodiscard]] std::optional<std::uint64_t> file_size() const noexcept { return file_size_; }
  [[nodiscard]] const SessionLimits& limits() const noexcept { return limits_; }

 private:
  void start_round(std::span<const ByteRange> ranges);
  void finish_header();
  void fail(TiffErrorKind kind, std::string message);

  SessionLimits limits_;
  HeaderParser parser_;
  SessionState state_ = SessionState::kDone;
  std::optional<std::uint64_t> file_size_;
  std::vector<std::string> buffers_;                 // every read so far
  std::vector<ByteRange> asked_;                     // what each read asked for
  std::vector<std::optional<std::uint64_t>> sizes_;  // object size reported with each read
  std::vector<ByteRange> round_;                     // reads of the current round
  std::size_t round_base_ = 0;                       // index of its first read in buffers_
  std::vector<ByteChunk> chunks_;
  std::vector<ByteRange> cog_needed_;
  std::uint32_t rounds_ = 0;
  std::uint32_t requests_ = 0;
  std::uint64_t bytes_read_ = 0;
  TiffHeader header_;
  GeoKeySet geokeys_;
  CogFacts cog_facts_;
  CogReport cog_;
};

}  // namespace tdump::tiff
