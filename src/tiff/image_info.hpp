#pragma once
// The image an IFD describes, with TIFF 6.0 defaults applied where the spec gives one (the
// `ifds` list of a row, and what tests compare with tiffinfo/gdalinfo).
#include <cstdint>
#include <optional>

#include "tiff/header.hpp"

namespace tdump::tiff {

struct ImageInfo {
  std::uint64_t width = 0;
  std::uint64_t height = 0;
  std::uint64_t new_subfile_type = 0;  // bit 0 reduced resolution, bit 1 page, bit 2 mask
  std::uint32_t samples_per_pixel = 1;
  std::uint32_t bits_per_sample = 1;  // of the first sample
  std::uint32_t compression = 1;
  std::optional<std::uint32_t> photometric;  // no default in the spec
  std::uint32_t planar_configuration = 1;
  std::uint32_t predictor = 1;
  std::uint32_t sample_format = 1;  // of the first sample
  bool tiled = false;
  std::uint64_t tile_width = 0;  // 0 when striped
  std::uint64_t tile_height = 0;
  std::uint64_t rows_per_strip = 0;  // striped: defaults to the image height
  std::uint64_t block_count = 0;     // number of strips or tiles (count of the offsets array)

  [[nodiscard]] bool is_reduced_resolution() const noexcept { return (new_subfile_type & 1U) != 0; }
  [[nodiscard]] bool is_mask() const noexcept { return (new_subfile_type & 4U) != 0; }
};

[[nodiscard]] ImageInfo describe_image(const TiffHeader& header, const Ifd& ifd) noexcept;

// The number of strips or tiles the image needs, computed as libtiff does when it opens a
// directory (TIFF 6.0 sections 3 and 15): tiled when TileWidth or TileLength is present,
// RowsPerStrip defaulting to 2^32 - 1, times SamplesPerPixel for PlanarConfiguration 2.
// Empty when ImageWidth or ImageLength is missing or unreadable. Saturates at 2^64 - 1.
[[nodiscard]] std::optional<std::uint64_t> expected_block_count(const TiffHeader& header, const Ifd& ifd) noexcept;
// Blocks of one sample plane (for PlanarConfiguration 2; all blocks otherwise).
[[nodiscard]] std::optional<std::uint64_t> blocks_per_plane(const TiffHeader& header, const Ifd& ifd) noexcept;

}  // namespace tdump::tiff
