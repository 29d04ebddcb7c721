#include "tiff/cog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>

#include "tiff/checks.hpp"
#include "tiff/image_info.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {
namespace {

// GDAL's ghost header: this line, with the size of what follows as 6 digits, right after the file
// header (GDAL's COG driver documentation, "Header ghost area").
constexpr std::string_view kGhostKey = "GDAL_STRUCTURAL_METADATA_SIZE=";
constexpr std::uint64_t kGhostLineSize = 43;  // key, 6 digits, " bytes\n"
// GDAL scans at most 30 overviews (and so does the script, through GDAL).
constexpr std::size_t kMaxOverviews = 30;
constexpr std::uint64_t kFirstWindow = 64;  // values of a block array asked for at first

// GDAL's overviews of IFD 0 (its ScanDirectories): reduced-resolution IFDs that are not masks,
// with as many samples as IFD 0 and readable by libtiff; IFD 0's SubIFDs first, then the main
// chain (skipping IFDs that have SubIFDs of their own); at most 30.
void select_levels(const TiffHeader& h, std::vector<CogLevel>& levels) {
  levels.clear();
  if (h.ifds.empty()) return;
  levels.push_back(CogLevel{0, 0, false});
  const std::uint64_t samples = find_uint(h, h.ifds[0], tag::kSamplesPerPixel).value_or(1);
  auto consider = [&](std::size_t i) {
    if (levels.size() > kMaxOverviews) return;
    const Ifd& ifd = h.ifds[i];
    const ImageInfo info = image_info(h, i);
    if (!info.is_reduced_resolution() || info.is_mask()) return;
    if (find_uint(h, ifd, tag::kSamplesPerPixel).value_or(1) != samples) return;
    if (ifd_blocked(h, i)) return;
    levels.push_back(CogLevel{static_cast<std::uint32_t>(i), 0, false});
  };
  for (std::size_t i = h.main_ifd_count; i < h.ifds.size(); ++i) {
    if (h.ifds[i].parent == 0) consider(i);
  }
  for (std::size_t i = 1; i < h.main_ifd_count; ++i) {
    if (h.find(h.ifds[i], tag::kSubIfds) == nullptr) consider(i);
  }
}

// Value `index` of a block array when the bytes hold it.
std::optional<std::uint64_t> array_value(const Entry& e, ByteOrder order, const FileBytes& bytes, std::uint64_t index) {
  const std::uint32_t size = field_type_size(e.type);
  const std::uint8_t* p = nullptr;
  if (e.loaded && e.data != nullptr) {
    p = e.data + index * size;
  } else {
    p = find_bytes(bytes.chunks, e.value_offset + index * size, size);
  }
  if (p == nullptr) return std::nullopt;
  switch (size) {
    case 1:
      return p[0];
    case 2:
      return load_u16(p, order);
    case 4:
      return load_u32(p, order);
    default:
      return load_u64(p, order);
  }
}

void need_window(const Entry& e, const FileBytes& bytes, std::uint64_t index, std::uint64_t limit,
                 std::vector<ByteRange>& needed) {
  const std::uint64_t size = field_type_size(e.type);
  const std::uint64_t window = std::min(std::max(kFirstWindow, index), limit - index);
  std::uint64_t offset = e.value_offset + index * size;
  std::uint64_t length = window * size;
  if (bytes.file_size) {
    if (offset >= *bytes.file_size) return;
    length = std::min(length, *bytes.file_size - offset);
  }
  needed.push_back(ByteRange{offset, length});
}

// The first block of band 1 that has data (GDAL's IsBlockAvailable: a non-zero byte count), as the
// script's get_block_offset() finds it scanning blocks in row-major order.
bool probe_level(const TiffHeader& h, const FileBytes& bytes, CogLevel& level, std::vector<ByteRange>& needed) {
  const Ifd& ifd = h.ifds[level.ifd];
  const ImageInfo info = image_info(h, level.ifd);
  const bool tiled = info.tile_tags;
  const Entry* offsets = h.find(ifd, tiled ? tag::kTileOffsets : tag::kStripOffsets);
  const Entry* counts = h.find(ifd, tiled ? tag::kTileByteCounts : tag::kStripByteCounts);
  level.first_block_offset = 0;
  level.resolved = true;
  if (offsets == nullptr || field_type_size(offsets->type) == 0) return true;
  std::uint64_t limit = std::min(info.blocks_per_plane.value_or(0), offsets->count);
  if (counts != nullptr) limit = std::min(limit, counts->count);
  for (std::uint64_t index = 0; index < limit; ++index) {
    if (bytes.file_size) {
      const std::uint64_t size = field_type_size(offsets->type);
      if (!offsets->is_inline && offsets->value_offset + (index + 1) * size > *bytes.file_size) break;
      if (counts != nullptr && !counts->is_inline &&
          counts->value_offset + (index + 1) * field_type_size(counts->type) > *bytes.file_size) {
        break;
      }
    }
    const auto offset = array_value(*offsets, h.byte_order, bytes, index);
    // Without byte counts libtiff estimates the size of a lone strip: the block has data.
    const auto count = counts != nullptr ? array_value(*counts, h.byte_order, bytes, index) : std::uint64_t{1};
    if (!offset || !count) {
      if (!offset) need_window(*offsets, bytes, index, limit, needed);
      if (!count) need_window(*counts, bytes, index, limit, needed);
      level.resolved = false;
      return false;
    }
    if (*count != 0) {
      level.first_block_offset = *offset;
      return true;
    }
  }
  return true;
}

// GDAL's ghost header after the file header, read only when IFD 0 is not right there.
bool probe_ghost(const TiffHeader& h, const FileBytes& bytes, CogFacts& facts, std::vector<ByteRange>& needed) {
  facts.ghost = false;
  facts.ghost_size = 0;
  facts.known_incompatible_edition = false;
  const std::uint64_t ifd0 = h.ifds[0].offset;
  if (ifd0 == 8 || ifd0 == 16) return true;
  const std::uint64_t start = h.bigtiff ? 16 : 8;
  if (bytes.file_size && start + kGhostLineSize > *bytes.file_size) return true;
  const std::uint8_t* line = find_bytes(bytes.chunks, start, kGhostLineSize);
  if (line == nullptr) {
    // The line and, usually, what it announces (GDAL writes under 200 bytes).
    std::uint64_t length = kGhostLineSize + 1024;
    if (bytes.file_size) length = std::min(length, *bytes.file_size - start);
    needed.push_back(ByteRange{start, length});
    return false;
  }
  const std::string_view text(reinterpret_cast<const char*>(line), kGhostLineSize);
  if (!text.starts_with(kGhostKey)) return true;
  std::uint64_t size = 0;
  for (char c : text.substr(kGhostKey.size(), 6)) {
    if (c < '0' || c > '9') return true;  // the script could not read the size either
    size = size * 10 + static_cast<std::uint64_t>(c - '0');
  }
  facts.ghost = true;
  facts.ghost_size = size;
  std::uint64_t available = size;
  const std::uint64_t content = start + kGhostLineSize;
  if (bytes.file_size) available = std::min(available, *bytes.file_size - content);
  if (available == 0) return true;
  const std::uint8_t* body = find_bytes(bytes.chunks, content, available);
  if (body == nullptr) {
    needed.push_back(ByteRange{content, available});
    return false;
  }
  const std::string_view metadata(reinterpret_cast<const char*>(body), available);
  facts.known_incompatible_edition = metadata.find("KNOWN_INCOMPATIBLE_EDITION=YES") != std::string_view::npos;
  return true;
}

}  // namespace

void CogFacts::clear() noexcept {
  complete = false;
  ghost = false;
  ghost_size = 0;
  known_incompatible_edition = false;
  levels.clear();
}

void CogReport::clear() noexcept {
  is_cog.reset();
  errors.clear();
  warnings.clear();
}

void probe_cog(const TiffHeader& header, const FileBytes& bytes, CogFacts& facts, std::vector<ByteRange>& needed) {
  facts.clear();
  if (header.ifds.empty()) return;
  select_levels(header, facts.levels);
  bool complete = probe_ghost(header, bytes, facts, needed);
  for (CogLevel& level : facts.levels) complete = probe_level(header, bytes, level, needed) && complete;
  facts.complete = complete;
}

void validate_cog(const TiffHeader& h, const CogFacts& facts, CogReport& out) {
  out.clear();
  if (!facts.complete || facts.levels.empty()) return;
  auto error = [&](CogRule rule, std::int64_t level = -1, std::uint64_t value = 0, std::uint64_t expected = 0) {
    out.errors.push_back(CogIssue{rule, level, value, expected});
  };
  if (ifd_blocked(h, 0)) {
    error(CogRule::kUnreadable);
    out.is_cog = false;
    return;
  }
  const Ifd& main = h.ifds[0];
  const ImageInfo main_info = image_info(h, 0);
  const std::uint64_t width = main_info.width;
  const std::uint64_t height = main_info.height;
  const std::size_t overviews = facts.levels.size() - 1;
  if (width > 512 || height > 512) {
    const std::uint64_t block = main_info.block_width;
    if (block == width && block > 1024) error(CogRule::kNotTiled, -1, width);
    if (overviews == 0) out.warnings.push_back(CogIssue{CogRule::kNoOverviews, -1, width, height});
  }
  if (main.offset != 8 && main.offset != 16) {
    std::uint64_t expected = h.bigtiff ? 16 : 8;
    if (facts.ghost) {
      if (facts.known_incompatible_edition) error(CogRule::kKnownIncompatibleEdition);
      expected += kGhostLineSize + facts.ghost_size;
      expected += expected % 2;  // an IFD starts on a word boundary
    }
    if (expected != main.offset) error(CogRule::kMainIfdOffset, -1, main.offset, expected);
  }
  for (std::size_t i = 0; i < overviews; ++i) {
    const Ifd& ifd = h.ifds[facts.levels[i + 1].ifd];
    const Ifd& previous = h.ifds[facts.levels[i].ifd];
    const ImageInfo info = image_info(h, facts.levels[i + 1].ifd);
    const ImageInfo previous_info = image_info(h, facts.levels[i].ifd);
    const std::uint64_t w = info.width;
    const auto level = static_cast<std::int64_t>(i);
    if (w > previous_info.width || info.height > previous_info.height)
      error(i == 0 ? CogRule::kFirstOverviewLarger : CogRule::kOverviewLarger, level);
    const std::uint64_t block = info.block_width;
    if (block == w && block > 1024) error(CogRule::kOverviewNotTiled, level, w);
    if (ifd.offset < previous.offset) {
      error(i == 0 ? CogRule::kOverviewIfdBeforeMain : CogRule::kOverviewIfdBeforePrevious, level, ifd.offset,
            previous.offset);
    }
  }
  const CogLevel& last = facts.levels.back();
  const std::uint64_t last_ifd = h.ifds[last.ifd].offset;
  if (last.first_block_offset != 0 && last.first_block_offset < last_ifd) {
    error(overviews > 0 ? CogRule::kSmallestOverviewDataBeforeIfd : CogRule::kImageDataBeforeIfd,
          overviews > 0 ? static_cast<std::int64_t>(overviews - 1) : -1, last.first_block_offset, last_ifd);
  }
  for (std::size_t i = facts.levels.size() - 1; i-- > 1;) {
    const std::uint64_t here = facts.levels[i].first_block_offset;
    const std::uint64_t smaller = facts.levels[i + 1].first_block_offset;
    if (here != 0 && here < smaller)
      error(CogRule::kOverviewDataOrder, static_cast<std::int64_t>(i - 1), here, smaller);
  }
  if (facts.levels.size() >= 2) {
    const std::uint64_t here = facts.levels[0].first_block_offset;
    const std::uint64_t smaller = facts.levels[1].first_block_offset;
    if (here != 0 && here < smaller)
      error(CogRule::kMainDataOrder, static_cast<std::int64_t>(overviews - 1), here, smaller);
  }
  out.is_cog = out.errors.empty();
}

void append_cog_text(std::string& out, const CogIssue& c) {
  auto it = std::back_inserter(out);
  switch (c.rule) {
    case CogRule::kUnreadable:
      fmt::format_to(it, "the main image (IFD 0) cannot be opened, see warnings");
      break;
    case CogRule::kNotTiled:
      fmt::format_to(it, "the image is larger than 512 px but not tiled (its blocks are {} px wide)", c.value);
      break;
    case CogRule::kNoOverviews:
      fmt::format_to(it, "the {}x{} image is larger than 512 px and has no overviews", c.value, c.expected);
      break;
    case CogRule::kKnownIncompatibleEdition:
      fmt::format_to(it, "the GDAL structural metadata declares KNOWN_INCOMPATIBLE_EDITION=YES");
      break;
    case CogRule::kMainIfdOffset:
      fmt::format_to(it, "IFD 0 is at byte {} instead of byte {}, right after the file header", c.value, c.expected);
      break;
    case CogRule::kFirstOverviewLarger:
      fmt::format_to(it, "overview 0 is larger than the main image");
      break;
    case CogRule::kOverviewLarger:
      fmt::format_to(it, "overview {} is larger than overview {}", c.level, c.level - 1);
      break;
    case CogRule::kOverviewNotTiled:
      fmt::format_to(it, "overview {} is not tiled (its blocks are {} px wide)", c.level, c.value);
      break;
    case CogRule::kOverviewIfdBeforeMain:
      fmt::format_to(it, "the IFD of overview 0 is at byte {}, before IFD 0 at byte {}", c.value, c.expected);
      break;
    case CogRule::kOverviewIfdBeforePrevious:
      fmt::format_to(it, "the IFD of overview {} is at byte {}, before that of overview {} at byte {}", c.level,
                     c.value, c.level - 1, c.expected);
      break;
    case CogRule::kSmallestOverviewDataBeforeIfd:
      fmt::format_to(it, "the first block of the smallest overview ({}) is at byte {}, before its IFD at byte {}",
                     c.level, c.value, c.expected);
      break;
    case CogRule::kImageDataBeforeIfd:
      fmt::format_to(it, "the first block of the image is at byte {}, before its IFD at byte {}", c.value, c.expected);
      break;
    case CogRule::kOverviewDataOrder:
      fmt::format_to(it, "the first block of overview {} is at byte {}, before that of overview {} at byte {}", c.level,
                     c.value, c.level + 1, c.expected);
      break;
    case CogRule::kMainDataOrder:
      fmt::format_to(it, "the first block of the main image is at byte {}, before that of overview {} at byte {}",
                     c.value, c.level, c.expected);
      break;
  }
}

std::string cog_text(const CogIssue& issue) {
  std::string out;
  append_cog_text(out, issue);
  return out;
}

}  // namespace tdump::tiff
