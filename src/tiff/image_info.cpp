#include "tiff/image_info.hpp"

#include <array>

#include "tiff/field_type.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {

ImageInfo describe_image(const TiffHeader& header, const Ifd& ifd) noexcept {
  // One pass over the entries, keeping the first of each tag (as TiffHeader::find): a row asks
  // this of every IFD, and a scan per tag was most of its cost.
  enum Slot : std::uint8_t {
    kWidth,
    kLength,
    kSubfileType,
    kSamples,
    kBits,
    kCompression,
    kPhotometric,
    kPlanar,
    kPredictor,
    kFormat,
    kTileOffsets,
    kTileWidth,
    kTileLength,
    kStripOffsets,
    kRowsPerStrip,
    kSlots
  };
  std::array<const Entry*, kSlots> found{};
  for (const Entry& e : header.entries_of(ifd)) {
    Slot slot = kSlots;
    switch (e.tag) {
      case tag::kImageWidth:
        slot = kWidth;
        break;
      case tag::kImageLength:
        slot = kLength;
        break;
      case tag::kNewSubfileType:
        slot = kSubfileType;
        break;
      case tag::kSamplesPerPixel:
        slot = kSamples;
        break;
      case tag::kBitsPerSample:
        slot = kBits;
        break;
      case tag::kCompression:
        slot = kCompression;
        break;
      case tag::kPhotometric:
        slot = kPhotometric;
        break;
      case tag::kPlanarConfiguration:
        slot = kPlanar;
        break;
      case tag::kPredictor:
        slot = kPredictor;
        break;
      case tag::kSampleFormat:
        slot = kFormat;
        break;
      case tag::kTileOffsets:
        slot = kTileOffsets;
        break;
      case tag::kTileWidth:
        slot = kTileWidth;
        break;
      case tag::kTileLength:
        slot = kTileLength;
        break;
      case tag::kStripOffsets:
        slot = kStripOffsets;
        break;
      case tag::kRowsPerStrip:
        slot = kRowsPerStrip;
        break;
      default:
        break;
    }
    if (slot != kSlots && found[slot] == nullptr) found[slot] = &e;
  }
  // find_uint's rule: the first value of a loaded integer entry.
  auto uint_of = [&](Slot slot) -> std::optional<std::uint64_t> {
    const Entry* e = found[slot];
    if (e == nullptr || !e->loaded || e->count == 0 || !is_integer_type(e->type)) return std::nullopt;
    return uint_at(*e, header.byte_order, 0);
  };
  auto u32 = [&](Slot slot, std::uint32_t fallback) {
    return static_cast<std::uint32_t>(uint_of(slot).value_or(fallback));
  };
  ImageInfo info;
  info.width = uint_of(kWidth).value_or(0);
  info.height = uint_of(kLength).value_or(0);
  info.new_subfile_type = uint_of(kSubfileType).value_or(0);
  info.samples_per_pixel = u32(kSamples, 1);
  info.bits_per_sample = u32(kBits, 1);
  info.compression = u32(kCompression, 1);
  if (auto photometric = uint_of(kPhotometric)) info.photometric = static_cast<std::uint32_t>(*photometric);
  info.planar_configuration = u32(kPlanar, 1);
  info.predictor = u32(kPredictor, 1);
  info.sample_format = u32(kFormat, 1);
  const Entry* offsets = found[kTileOffsets];
  if (offsets != nullptr) {
    info.tiled = true;
    info.tile_width = uint_of(kTileWidth).value_or(0);
    info.tile_height = uint_of(kTileLength).value_or(0);
  } else {
    offsets = found[kStripOffsets];
    info.rows_per_strip = uint_of(kRowsPerStrip).value_or(info.height);
    if (info.rows_per_strip > info.height) info.rows_per_strip = info.height;
  }
  info.block_count = offsets != nullptr ? offsets->count : 0;
  return info;
}

namespace {

constexpr std::uint64_t kMax = ~std::uint64_t{0};

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) noexcept {
  if (a != 0 && b > kMax / a) return kMax;
  return a * b;
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) noexcept {
  return a / b + (a % b != 0 ? 1 : 0);
}

}  // namespace

std::optional<std::uint64_t> blocks_per_plane(const TiffHeader& header, const Ifd& ifd) noexcept {
  const auto width = find_uint(header, ifd, tag::kImageWidth);
  const auto height = find_uint(header, ifd, tag::kImageLength);
  if (!width || !height) return std::nullopt;
  const bool tiled = header.find(ifd, tag::kTileWidth) != nullptr || header.find(ifd, tag::kTileLength) != nullptr;
  if (tiled) {
    const std::uint64_t tile_width = find_uint(header, ifd, tag::kTileWidth).value_or(0);
    const std::uint64_t tile_height = find_uint(header, ifd, tag::kTileLength).value_or(0);
    if (tile_width == 0 || tile_height == 0) return 0;
    return saturating_mul(ceil_div(*width, tile_width), ceil_div(*height, tile_height));
  }
  const std::uint64_t rows = find_uint(header, ifd, tag::kRowsPerStrip).value_or(0xFFFFFFFFULL);
  if (rows == 0) return 0;
  if (rows == 0xFFFFFFFFULL) return *height != 0 ? 1 : 0;
  return ceil_div(*height, rows);
}

std::optional<std::uint64_t> expected_block_count(const TiffHeader& header, const Ifd& ifd) noexcept {
  auto blocks = blocks_per_plane(header, ifd);
  if (!blocks) return std::nullopt;
  if (find_uint(header, ifd, tag::kPlanarConfiguration).value_or(1) == 2) {
    return saturating_mul(*blocks, find_uint(header, ifd, tag::kSamplesPerPixel).value_or(1));
  }
  return blocks;
}

}  // namespace tdump::tiff
