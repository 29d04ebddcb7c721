#include "tiff/image_info.hpp"

#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {

ImageInfo describe_image(const TiffHeader& header, const Ifd& ifd) noexcept {
  ImageInfo info;
  auto u32 = [&](std::uint16_t id, std::uint32_t fallback) {
    return static_cast<std::uint32_t>(find_uint(header, ifd, id).value_or(fallback));
  };
  info.width = find_uint(header, ifd, tag::kImageWidth).value_or(0);
  info.height = find_uint(header, ifd, tag::kImageLength).value_or(0);
  info.new_subfile_type = find_uint(header, ifd, tag::kNewSubfileType).value_or(0);
  info.samples_per_pixel = u32(tag::kSamplesPerPixel, 1);
  info.bits_per_sample = u32(tag::kBitsPerSample, 1);
  info.compression = u32(tag::kCompression, 1);
  if (auto photometric = find_uint(header, ifd, tag::kPhotometric)) {
    info.photometric = static_cast<std::uint32_t>(*photometric);
  }
  info.planar_configuration = u32(tag::kPlanarConfiguration, 1);
  info.predictor = u32(tag::kPredictor, 1);
  info.sample_format = u32(tag::kSampleFormat, 1);
  const Entry* offsets = header.find(ifd, tag::kTileOffsets);
  if (offsets != nullptr) {
    info.tiled = true;
    info.tile_width = find_uint(header, ifd, tag::kTileWidth).value_or(0);
    info.tile_height = find_uint(header, ifd, tag::kTileLength).value_or(0);
  } else {
    offsets = header.find(ifd, tag::kStripOffsets);
    info.rows_per_strip = find_uint(header, ifd, tag::kRowsPerStrip).value_or(info.height);
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
