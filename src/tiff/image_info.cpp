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

}  // namespace tdump::tiff
