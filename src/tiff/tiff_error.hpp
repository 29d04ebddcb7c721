#pragma once
// The specific ways a TIFF header can be unreadable. Every failure of the engine is one of
// these kinds plus a message naming the offending IFD, tag, offset or count.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace tdump::tiff {

enum class TiffErrorKind : std::uint8_t {
  kNone = 0,
  kNotTiff,             // bad byte-order mark or magic number
  kBadBigTiffHeader,    // BigTIFF with bytesize != 8 or reserved != 0
  kTruncated,           // the file ends inside a structure or value
  kOffsetPastEof,       // an IFD or value offset at or beyond the end of the file
  kBadOffset,           // an offset into the file header itself
  kNoImage,             // first-IFD offset 0, or an IFD without entries
  kIfdLoop,             // an IFD reached twice
  kCountTooLarge,       // one count over a limit or bigger than the file
  kOverBudget,          // totals (IFDs, value bytes, header bytes, requests) over the budget
  kBadFieldType,        // a field type code outside 1..13, 16..18
  kInvalidAscii,        // an ASCII value that is not UTF-8 text
  kBadGeoKeyDirectory,  // GeoKeyDirectory malformed, or a key refers beyond its params
};

// Stable snake_case name ("ifd_loop"), for JSON output and tests.
[[nodiscard]] std::string_view to_string(TiffErrorKind kind) noexcept;

struct TiffError {
  TiffErrorKind kind = TiffErrorKind::kNone;
  std::string message;

  [[nodiscard]] bool ok() const noexcept { return kind == TiffErrorKind::kNone; }
  // As a module-boundary Error: kLimit for budget kinds, kParse otherwise.
  [[nodiscard]] Error to_error() const;
};

}  // namespace tdump::tiff
