#pragma once
// The image an IFD describes (ImageInfo, in header.hpp), read from its entries with the TIFF 6.0
// defaults, and the block counts libtiff derives from the same tags.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "tiff/header.hpp"

namespace tdump::tiff {

// Reads IFD `ifd` of `header` in one pass over its entries; the first entry of a tag counts, and
// a value counts only when loaded and of an integer type (find_uint's rule).
[[nodiscard]] ImageInfo describe_image(const TiffHeader& header, const Ifd& ifd) noexcept;

// Fills header.images, one per IFD (the parser does this when a parse completes).
void describe_images(TiffHeader& header);

// IFD `index`'s ImageInfo: the one stored in header.images, or, when the header was not
// described (built by hand, or a parse that did not complete), read now.
[[nodiscard]] inline ImageInfo image_info(const TiffHeader& header, std::size_t index) noexcept {
  if (header.images.size() == header.ifds.size()) return header.images[index];
  return describe_image(header, header.ifds[index]);
}

}  // namespace tdump::tiff
