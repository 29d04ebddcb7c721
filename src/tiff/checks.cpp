#include "tiff/checks.hpp"

#include "tiff/image_info.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {
namespace {

// Colour channels of a PhotometricInterpretation (TIFF 6.0 section 8 and its technical notes):
// the samples that are not ExtraSamples. 0 for a value libtiff does not know (no check).
std::uint64_t color_channels(std::uint64_t photometric) noexcept {
  switch (photometric) {
    case 0:      // WhiteIsZero
    case 1:      // BlackIsZero
    case 3:      // Palette
    case 4:      // Transparency mask
    case 32803:  // CFA
    case 32844:  // LogL
      return 1;
    case 2:      // RGB
    case 6:      // YCbCr
    case 8:      // CIELab
    case 9:      // ICCLab
    case 10:     // ITULab
    case 32845:  // LogLuv
      return 3;
    case 5:  // Separated (CMYK)
      return 4;
    default:
      return 0;
  }
}

void add(TiffHeader& h, WarningKind kind, std::size_t ifd, std::uint16_t tag, std::uint64_t value, std::uint64_t limit,
         bool blocks) {
  TiffWarning w;
  w.kind = kind;
  w.ifd = static_cast<std::int32_t>(ifd);
  w.tag = tag;
  w.offset = h.ifds[ifd].offset;
  w.value = value;
  w.limit = limit;
  w.blocks_ifd = blocks;
  h.warnings.push_back(std::move(w));
}

void check_ifd(TiffHeader& h, std::size_t index) {
  const Ifd& ifd = h.ifds[index];
  const ImageInfo info = image_info(h, index);
  const bool has_width = info.has_width;
  const bool has_length = info.has_length;
  // libtiff takes a missing dimension as 0, then refuses the zero-sized scanline or strip count.
  if (!has_width) add(h, WarningKind::kMissingRequiredTag, index, tag::kImageWidth, 0, 0, true);
  if (!has_length) add(h, WarningKind::kMissingRequiredTag, index, tag::kImageLength, 0, 0, true);

  const std::uint64_t spp = find_uint(h, ifd, tag::kSamplesPerPixel).value_or(1);
  if (spp == 0) {
    add(h, WarningKind::kBadSamplesPerPixel, index, tag::kSamplesPerPixel, 0, 0, true);
  } else if (auto photometric = find_uint(h, ifd, tag::kPhotometric)) {
    const std::uint64_t channels = color_channels(*photometric);
    const Entry* extra = h.find(ifd, tag::kExtraSamples);
    const std::uint64_t extras = extra != nullptr ? extra->count : 0;
    if (channels != 0 && spp > extras && spp - extras > channels) {
      add(h, WarningKind::kBadSamplesPerPixel, index, tag::kSamplesPerPixel, spp, channels + extras, false);
    }
  }
  if (const Entry* bps = h.find(ifd, tag::kBitsPerSample); bps != nullptr && bps->loaded && bps->count > 0) {
    const std::uint64_t bits = uint_at(*bps, h.byte_order, 0);
    if (bits == 0 || bits > 128)
      add(h, WarningKind::kBadBitsPerSample, index, tag::kBitsPerSample, bits, 128, bits == 0);
  }

  const std::uint16_t offsets_tag = info.tile_tags ? tag::kTileOffsets : tag::kStripOffsets;
  const std::uint16_t counts_tag = info.tile_tags ? tag::kTileByteCounts : tag::kStripByteCounts;
  const auto& blocks = info.expected_blocks;
  if (!has_width || !has_length || !blocks) return;
  if (*blocks == 0) {
    add(h, WarningKind::kNoBlocks, index, 0, 0, 0, true);
    return;
  }
  const Entry* offsets = h.find(ifd, offsets_tag);
  const Entry* counts = h.find(ifd, counts_tag);
  if (offsets == nullptr) {
    add(h, WarningKind::kMissingRequiredTag, index, offsets_tag, 0, 0, true);
  } else if (offsets->count != *blocks) {
    add(h, WarningKind::kBlockCountMismatch, index, offsets_tag, offsets->count, *blocks, false);
  }
  if (counts == nullptr) {
    // libtiff estimates a lone strip's size (one per plane) and refuses anything else.
    const bool separate = find_uint(h, ifd, tag::kPlanarConfiguration).value_or(1) == 2;
    const bool estimable = separate ? *blocks == spp : *blocks == 1;
    add(h, WarningKind::kMissingRequiredTag, index, counts_tag, 0, 0, !estimable);
  } else if (counts->count != *blocks) {
    add(h, WarningKind::kBlockCountMismatch, index, counts_tag, counts->count, *blocks, false);
  }
}

}  // namespace

void check_directories(TiffHeader& header) {
  for (std::size_t i = 0; i < header.ifds.size(); ++i) check_ifd(header, i);
}

bool ifd_blocked(const TiffHeader& header, std::size_t ifd) noexcept {
  for (const TiffWarning& w : header.warnings) {
    if (w.blocks_ifd && w.ifd == static_cast<std::int32_t>(ifd)) return true;
  }
  return false;
}

}  // namespace tdump::tiff
