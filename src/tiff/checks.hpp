#pragma once
// The checks libtiff makes when it opens a directory (TIFFReadDirectory), run over a parsed
// header: each finding is a warning on the header, and those that make libtiff refuse the
// directory say so (TiffWarning::blocks_ifd). Interpretation layer: no I/O, no allocation when
// the header is sound. See docs/tiff.md, "Lenient reading".
#include "tiff/header.hpp"

namespace tdump::tiff {

// Appends the warnings of every IFD (main chain and SubIFDs) to header.warnings.
void check_directories(TiffHeader& header);

// True when a warning about IFD `ifd` makes libtiff refuse to open it.
[[nodiscard]] bool ifd_blocked(const TiffHeader& header, std::size_t ifd) noexcept;

}  // namespace tdump::tiff
