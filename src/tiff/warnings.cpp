#include "tiff/warnings.hpp"

#include <fmt/format.h>

#include <iterator>

#include "tiff/tags.hpp"

namespace tdump::tiff {

std::string_view to_string(WarningKind kind) noexcept {
  switch (kind) {
    case WarningKind::kUnknownFieldType:
      return "unknown_field_type";
    case WarningKind::kValuePastEof:
      return "value_past_eof";
    case WarningKind::kValueTooLarge:
      return "value_too_large";
    case WarningKind::kTagsNotSorted:
      return "tags_not_sorted";
    case WarningKind::kIfdChainBroken:
      return "ifd_chain_broken";
    case WarningKind::kIfdLoop:
      return "ifd_loop";
    case WarningKind::kSubIfdUnreadable:
      return "sub_ifd_unreadable";
    case WarningKind::kMissingRequiredTag:
      return "missing_required_tag";
    case WarningKind::kBlockCountMismatch:
      return "block_count_mismatch";
    case WarningKind::kBadSamplesPerPixel:
      return "bad_samples_per_pixel";
    case WarningKind::kBadBitsPerSample:
      return "bad_bits_per_sample";
    case WarningKind::kNoBlocks:
      return "no_blocks";
    case WarningKind::kBadGeoKeyDirectory:
      return "bad_geokey_directory";
  }
  return "unknown";
}

void append_warning_text(std::string& out, const TiffWarning& w) {
  auto it = std::back_inserter(out);
  if (w.ifd >= 0) fmt::format_to(it, "IFD {} ", w.ifd);
  if (w.tag != 0) {
    const std::string_view name = tag_name(w.tag);
    if (name.empty()) {
      fmt::format_to(it, "tag {}: ", w.tag);
    } else {
      fmt::format_to(it, "tag {} ({}): ", w.tag, name);
    }
  } else if (w.ifd >= 0) {
    out.back() = ':';
    out += ' ';
  }
  switch (w.kind) {
    case WarningKind::kUnknownFieldType:
      fmt::format_to(it, "field type {} at offset {} is not a TIFF type; tag ignored", w.value, w.offset);
      break;
    case WarningKind::kValuePastEof:
      fmt::format_to(it, "value at offset {} ({} bytes) runs past the end of the {}-byte file; tag ignored", w.offset,
                     w.value, w.limit);
      break;
    case WarningKind::kValueTooLarge:
      fmt::format_to(it, "value of {} bytes at offset {} is larger than {} bytes; tag ignored", w.value, w.offset,
                     w.limit);
      break;
    case WarningKind::kTagsNotSorted:
      fmt::format_to(it, "entries at offset {} are not sorted by tag", w.offset);
      break;
    case WarningKind::kIfdChainBroken:
      fmt::format_to(it, "next IFD at offset {} cannot be read ({}); the IFD chain ends here", w.value, w.detail);
      break;
    case WarningKind::kIfdLoop:
      fmt::format_to(it, "next IFD at offset {} was already read (loop); the IFD chain ends here", w.value);
      break;
    case WarningKind::kSubIfdUnreadable:
      fmt::format_to(it, "SubIFD at offset {} cannot be read ({}); left out", w.value, w.detail);
      break;
    case WarningKind::kMissingRequiredTag:
      fmt::format_to(it, "required tag is missing");
      break;
    case WarningKind::kBlockCountMismatch:
      fmt::format_to(it, "{} values, but the image has {} {}", w.value, w.limit,
                     w.tag == tag::kTileOffsets || w.tag == tag::kTileByteCounts ? "tiles" : "strips");
      break;
    case WarningKind::kBadSamplesPerPixel:
      if (w.value == 0) {
        fmt::format_to(it, "SamplesPerPixel 0 is not valid");
      } else {
        fmt::format_to(it, "SamplesPerPixel {} is more than the {} colour channels and ExtraSamples of the image",
                       w.value, w.limit);
      }
      break;
    case WarningKind::kBadBitsPerSample:
      if (w.value == 0) {
        fmt::format_to(it, "BitsPerSample 0 is not valid");
      } else {
        fmt::format_to(it, "BitsPerSample {} is more than {}", w.value, w.limit);
      }
      break;
    case WarningKind::kNoBlocks:
      fmt::format_to(it, "the image has no strip or tile (a zero dimension, tile size or RowsPerStrip)");
      break;
    case WarningKind::kBadGeoKeyDirectory:
      fmt::format_to(it, "GeoKeys ignored: {}", w.detail);
      break;
  }
  if (w.blocks_ifd) out += "; libtiff cannot read this IFD";
}

std::string warning_text(const TiffWarning& warning) {
  std::string out;
  append_warning_text(out, warning);
  return out;
}

}  // namespace tdump::tiff
