#pragma once
// Cloud-Optimized GeoTIFF validity, by the rules of GDAL's validate_cloud_optimized_geotiff.py
// in its default mode for remote files (no full check of block leaders and trailers), over our
// parsed header. docs/tiff.md, "COG validation", maps each of our findings to the script's
// message.
//
// The rules need a few bytes the header walk does not read: the first strip/tile offset and byte
// count of the full-resolution image and of each overview, and GDAL's "ghost" structural
// metadata right after the file header. probe_cog() reads them from the bytes already held and
// lists the few ranges still missing, so a COG whose IFDs sit in the prefetch costs no request.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tiff/header.hpp"

namespace tdump::tiff {

// One resolution level as GDAL sees it: IFD 0, then GDAL's overviews in GDAL's order.
struct CogLevel {
  std::uint32_t ifd = 0;                 // index into TiffHeader::ifds
  std::uint64_t first_block_offset = 0;  // offset of the first block of band 1 with data (0: none)
  bool resolved = false;                 // first_block_offset is known
};

// What probe_cog() learnt.
struct CogFacts {
  bool complete = false;         // every fact below is known
  bool ghost = false;            // GDAL_STRUCTURAL_METADATA follows the file header
  std::uint64_t ghost_size = 0;  // its declared size
  bool known_incompatible_edition = false;
  std::vector<CogLevel> levels;  // [0] is IFD 0
  void clear() noexcept;
};

// Fills `facts` from the bytes held and appends to `needed` the ranges still missing (none when
// facts.complete). A level's first block is searched window by window: the first 64 values of
// its arrays, then windows twice as large, so a sparse level costs a few rounds, not one per
// value. Pure: the same bytes give the same facts.
void probe_cog(const TiffHeader& header, const FileBytes& bytes, CogFacts& facts, std::vector<ByteRange>& needed);

// The script's checks, in its order. `level` is an overview index (0 = the first overview).
enum class CogRule : std::uint8_t {
  kUnreadable,                     // error: GDAL cannot open the main image
  kNotTiled,                       // error: larger than 512 px and blocks as wide as the image (> 1024 px)
  kNoOverviews,                    // warning: larger than 512 px without overviews
  kKnownIncompatibleEdition,       // error: the ghost header declares KNOWN_INCOMPATIBLE_EDITION=YES
  kMainIfdOffset,                  // error: IFD 0 is not right after the file header (and ghost header)
  kFirstOverviewLarger,            // error: overview 0 larger than the main image
  kOverviewLarger,                 // error: overview `level` larger than overview `level - 1`
  kOverviewNotTiled,               // error: overview `level` not tiled (and wider than 1024 px)
  kOverviewIfdBeforeMain,          // error: IFD of overview 0 before IFD 0
  kOverviewIfdBeforePrevious,      // error: IFD of overview `level` before that of `level - 1`
  kSmallestOverviewDataBeforeIfd,  // error: first block of the last overview before its IFD
  kImageDataBeforeIfd,             // error: (no overviews) first block of the image before IFD 0
  kOverviewDataOrder,              // error: first block of overview `level` before that of `level + 1`
  kMainDataOrder,                  // error: first block of the main image before that of overview `level`
};

struct CogIssue {
  CogRule rule = CogRule::kUnreadable;
  std::int64_t level = -1;  // overview index, when the rule names one
  std::uint64_t value = 0;  // an offset or size the message names
  std::uint64_t expected = 0;
};

struct CogReport {
  std::optional<bool> is_cog;  // empty when the facts could not be read within the budget
  std::vector<CogIssue> errors;
  std::vector<CogIssue> warnings;
  void clear() noexcept;
};

void validate_cog(const TiffHeader& header, const CogFacts& facts, CogReport& out);

// Our text of an issue, e.g. "the IFD of overview 1 is at byte 900, before that of overview 0 (byte 1200)".
void append_cog_text(std::string& out, const CogIssue& issue);
[[nodiscard]] std::string cog_text(const CogIssue& issue);

}  // namespace tdump::tiff
