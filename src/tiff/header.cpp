#include "tiff/header.hpp"

namespace tdump::tiff {

void TiffHeader::clear() noexcept {
  bigtiff = false;
  byte_order = ByteOrder::kLittle;
  ifds.clear();
  entries.clear();
  main_ifd_count = 0;
  header_bytes = 0;
  header_extent = 0;
  metadata_extent = 0;
  needed.clear();
  error.kind = TiffErrorKind::kNone;
  error.message.clear();
  warnings.clear();
  images.clear();
}

}  // namespace tdump::tiff
