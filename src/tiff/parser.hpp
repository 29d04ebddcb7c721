#pragma once
// The incremental header parser: bytes in, IFDs out, or the list of byte ranges it still needs.
//
// Protocol (see docs/tiff.md):
//   1. The caller fetches a prefetch (e.g. the first 16 KiB) and calls parse().
//   2. kNeedMore: out.needed lists the ranges still missing (IFDs past the bytes held, out-of-line
//      tag values), gathered for every IFD reachable so far and coalesced. The caller fetches
//      them, adds them as further ByteChunks (keeping the earlier ones) and calls parse() again.
//   3. kComplete: `out` holds every IFD; kFailed: out.error says why.
// A short read at the end of the file must be reported by setting FileBytes::file_size.
// The contents of StripOffsets/StripByteCounts/TileOffsets/TileByteCounts are never requested.
// parse() re-reads from the start on every call (microseconds), so the parser keeps no state
// between calls, and one parser may serve any number of files and threads.
#include <cstdint>

#include "tiff/header.hpp"
#include "tiff/limits.hpp"

namespace tdump::tiff {

enum class ParseStatus : std::uint8_t { kComplete, kNeedMore, kFailed };

class HeaderParser {
 public:
  explicit HeaderParser(ParseLimits limits = {}) : limits_(limits) {}

  // Clears `out` (keeping its capacity) and parses what `bytes` allows.
  ParseStatus parse(const FileBytes& bytes, TiffHeader& out) const;

  [[nodiscard]] const ParseLimits& limits() const noexcept { return limits_; }

 private:
  ParseLimits limits_;
};

// Tags whose values are offsets/sizes of image data: reported (count, type, offset), never fetched.
[[nodiscard]] constexpr bool is_data_offsets_tag(std::uint16_t tag) noexcept {
  return tag == 273 || tag == 279 || tag == 324 || tag == 325;
}

// Sorts `ranges` and merges those that overlap or lie within `gap` bytes of each other.
void coalesce_ranges(std::vector<ByteRange>& ranges, std::uint64_t gap) noexcept;

}  // namespace tdump::tiff
