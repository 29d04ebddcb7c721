#include "tiff/tiff_error.hpp"

#include <fmt/format.h>

namespace tdump::tiff {

std::string_view to_string(TiffErrorKind kind) noexcept {
  switch (kind) {
    case TiffErrorKind::kNone:
      return "none";
    case TiffErrorKind::kNotTiff:
      return "not_tiff";
    case TiffErrorKind::kBadBigTiffHeader:
      return "bad_bigtiff_header";
    case TiffErrorKind::kTruncated:
      return "truncated";
    case TiffErrorKind::kOffsetPastEof:
      return "offset_past_eof";
    case TiffErrorKind::kBadOffset:
      return "bad_offset";
    case TiffErrorKind::kNoImage:
      return "no_image";
    case TiffErrorKind::kIfdLoop:
      return "ifd_loop";
    case TiffErrorKind::kCountTooLarge:
      return "count_too_large";
    case TiffErrorKind::kOverBudget:
      return "over_budget";
    case TiffErrorKind::kBadFieldType:
      return "bad_field_type";
    case TiffErrorKind::kInvalidAscii:
      return "invalid_ascii";
    case TiffErrorKind::kBadGeoKeyDirectory:
      return "bad_geokey_directory";
  }
  return "unknown";
}

Error TiffError::to_error() const {
  bool budget = kind == TiffErrorKind::kOverBudget || kind == TiffErrorKind::kCountTooLarge;
  return make_error(budget ? ErrorCode::kLimit : ErrorCode::kParse, fmt::format("{}: {}", to_string(kind), message));
}

}  // namespace tdump::tiff
