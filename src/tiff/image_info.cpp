#include "tiff/image_info.hpp"

#include <array>

#include "tiff/field_type.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {

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
  // find_uint's rule: the first value of a loaded integer entry; each read once.
  std::array<std::optional<std::uint64_t>, kSlots> values{};
  for (std::size_t slot = 0; slot < kSlots; ++slot) {
    const Entry* e = found[slot];
    if (e != nullptr && e->loaded && e->count > 0 && is_integer_type(e->type))
      values[slot] = uint_at(*e, header.byte_order, 0);
  }
  auto uint_of = [&](Slot slot) { return values[slot]; };
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

  info.has_width = found[kWidth] != nullptr;
  info.has_length = found[kLength] != nullptr;
  info.tile_tags = found[kTileWidth] != nullptr || found[kTileLength] != nullptr;
  const auto width = uint_of(kWidth);
  const auto height = uint_of(kLength);
  info.block_width = info.tile_tags ? uint_of(kTileWidth).value_or(0) : width.value_or(0);
  if (!width || !height) return info;
  std::uint64_t blocks = 0;
  if (info.tile_tags) {
    const std::uint64_t tile_width = uint_of(kTileWidth).value_or(0);
    const std::uint64_t tile_height = uint_of(kTileLength).value_or(0);
    if (tile_width != 0 && tile_height != 0)
      blocks = saturating_mul(ceil_div(*width, tile_width), ceil_div(*height, tile_height));
  } else {
    const std::uint64_t rows = uint_of(kRowsPerStrip).value_or(0xFFFFFFFFULL);
    if (rows == 0xFFFFFFFFULL) {
      blocks = *height != 0 ? 1 : 0;
    } else if (rows != 0) {
      blocks = ceil_div(*height, rows);
    }
  }
  info.blocks_per_plane = blocks;
  info.expected_blocks =
      uint_of(kPlanar).value_or(1) == 2 ? saturating_mul(blocks, uint_of(kSamples).value_or(1)) : blocks;
  return info;
}

void describe_images(TiffHeader& header) {
  header.images.clear();
  header.images.reserve(header.ifds.size());
  for (const Ifd& ifd : header.ifds) header.images.push_back(describe_image(header, ifd));
}

}  // namespace tdump::tiff
