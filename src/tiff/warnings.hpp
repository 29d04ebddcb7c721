#pragma once
// Problems a reader can read past: the file still yields a header, with what could not be read
// left out and named here (docs/tiff.md, "Lenient reading"). Each kind mirrors a case where
// libtiff warns and goes on, or a check libtiff makes when it opens a directory.
//
// Warnings are plain values (no text) so that collecting them allocates nothing once the
// vector has grown; the text is rendered on demand by append_warning_text().
#include <cstdint>
#include <string>
#include <string_view>

namespace tdump::tiff {

enum class WarningKind : std::uint8_t {
  kUnknownFieldType,    // an entry's field type is no TIFF type: the tag is ignored
  kValuePastEof,        // a tag value lies (partly) past the end of the file: the tag is ignored
  kValueTooLarge,       // a tag value's count no file can back, or over the value limit: ignored
  kTagsNotSorted,       // the entries of an IFD are not in ascending tag order
  kIfdChainBroken,      // a next-IFD pointer leads nowhere readable: the chain ends there
  kIfdLoop,             // a next-IFD pointer leads back to an IFD already read: the chain ends
  kSubIfdUnreadable,    // a SubIFD cannot be read: it is left out
  kMissingRequiredTag,  // a tag the directory needs is absent
  kBlockCountMismatch,  // strip/tile offsets or byte counts disagree with the image's block count
  kBadSamplesPerPixel,  // SamplesPerPixel 0, or more than any reader accepts
  kBadBitsPerSample,    // BitsPerSample 0, or more than 64
  kNoBlocks,            // the image has no strip or tile (zero width/height/tile size)
  kBadGeoKeyDirectory,  // the GeoKeyDirectory is malformed: the GeoKeys are ignored
};

// Stable snake_case name ("unknown_field_type"), for tests and inspect's JSON.
[[nodiscard]] std::string_view to_string(WarningKind kind) noexcept;

struct TiffWarning {
  WarningKind kind = WarningKind::kUnknownFieldType;
  std::int32_t ifd = -1;     // index into TiffHeader::ifds (-1: not about one IFD)
  std::uint16_t tag = 0;     // the tag concerned (0: none)
  std::uint64_t offset = 0;  // the file offset concerned (entry, value or IFD)
  std::uint64_t value = 0;   // the offending value: type code, count, SamplesPerPixel, ...
  std::uint64_t limit = 0;   // what it was measured against: file size, expected count, ...
  // libtiff cannot open this IFD because of it (TIFFReadDirectory fails): an image reader such as
  // GDAL skips the IFD, or cannot open the file when it is IFD 0.
  bool blocks_ifd = false;
  std::string detail;  // kBadGeoKeyDirectory: what is wrong with the directory
};

// One line of text naming the IFD, tag and offset, e.g.
// "IFD 0 tag 305 (Software): field type 99 is not a TIFF type; tag ignored".
void append_warning_text(std::string& out, const TiffWarning& warning);
[[nodiscard]] std::string warning_text(const TiffWarning& warning);

}  // namespace tdump::tiff
