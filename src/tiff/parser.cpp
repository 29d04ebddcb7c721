#include "tiff/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "tiff/image_info.hpp"
#include "tiff/tags.hpp"
#include "tiff/utf8.hpp"
#include "tiff/values.hpp"

namespace tdump::tiff {
namespace {

constexpr std::uint16_t kSubIfdsTag = 330;

// Outcome of one step of the walk: done, waiting for bytes (the ranges are recorded), or failed
// (out.error is set and the whole parse stops).
enum class Step : std::uint8_t { kDone, kNeed, kFail };
// Outcome of one entry: kept, left out (with a warning), or the whole parse failed.
enum class EntryStep : std::uint8_t { kKeep, kDrop, kFail };

// The tags libtiff must read to open a directory (TIFFReadDirectory fails when one of them cannot
// be read): image and block geometry, sample layout, compression, and the block arrays. Damage to
// any other tag (ColorMap, GeoAsciiParams, Software, ...) only makes libtiff ignore that tag.
constexpr bool libtiff_required(std::uint16_t tag) noexcept {
  switch (tag) {
    case tag::kImageWidth:
    case tag::kImageLength:
    case tag::kBitsPerSample:
    case tag::kCompression:
    case tag::kStripOffsets:
    case tag::kSamplesPerPixel:
    case tag::kRowsPerStrip:
    case tag::kStripByteCounts:
    case tag::kMinSampleValue:
    case tag::kMaxSampleValue:
    case tag::kPlanarConfiguration:
    case tag::kTileWidth:
    case tag::kTileLength:
    case tag::kTileOffsets:
    case tag::kTileByteCounts:
    case tag::kExtraSamples:
    case tag::kSampleFormat:
    case 340:  // SMinSampleValue
    case 341:  // SMaxSampleValue
      return true;
    default:
      return false;
  }
}

// Failures of an IFD as a whole (as opposed to budgets): past IFD 0 they end the chain with a
// warning instead of failing the file.
constexpr bool is_ifd_damage(TiffErrorKind kind) noexcept {
  switch (kind) {
    case TiffErrorKind::kBadOffset:
    case TiffErrorKind::kOffsetPastEof:
    case TiffErrorKind::kTruncated:
    case TiffErrorKind::kNoImage:
    case TiffErrorKind::kCountTooLarge:
      return true;
    default:
      return false;
  }
}

// Layout constants of the two flavours.
struct Layout {
  std::uint64_t file_header_size;  // 8 or 16
  std::uint64_t count_size;        // entry count field: 2 or 8
  std::uint64_t entry_size;        // 12 or 20
  std::uint64_t offset_size;       // next-IFD and value offsets: 4 or 8
};
constexpr Layout kClassic{8, 2, 12, 4};
constexpr Layout kBig{16, 8, 20, 8};

// One parse() call: the walk over everything reachable with the bytes held.
class ParseRun {
 public:
  ParseRun(const ParseLimits& limits, const FileBytes& bytes, TiffHeader& out)
      : limits_(limits), bytes_(bytes), out_(out) {}

  ParseStatus run() {
    out_.clear();
    for (const ByteChunk& chunk : bytes_.chunks) out_.header_bytes += chunk.bytes.size();

    std::uint64_t first_ifd = 0;
    Step step = read_file_header(first_ifd);
    if (step == Step::kDone) step = walk_chain(first_ifd, -1);
    if (step == Step::kFail) return ParseStatus::kFailed;
    out_.main_ifd_count = static_cast<std::uint32_t>(out_.ifds.size());
    if (step == Step::kNeed) any_need_ = true;
    if (limits_.parse_sub_ifds && walk_sub_ifds() == Step::kFail) return ParseStatus::kFailed;
    return finish();
  }

 private:
  // Pointer to file bytes [offset, offset + length) when one chunk holds them all, else null.
  [[nodiscard]] const std::uint8_t* find(std::uint64_t offset, std::uint64_t length) const noexcept {
    return find_bytes(bytes_.chunks, offset, length);
  }

  void need(std::uint64_t offset, std::uint64_t length) {
    out_.needed.push_back(ByteRange{offset, length});
    any_need_ = true;
  }

  template <typename... Args>
  Step fail(TiffErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
    out_.error.kind = kind;
    out_.error.message = fmt::format(format, std::forward<Args>(args)...);
    return Step::kFail;
  }

  // How much to request for an IFD at `offset` of `known_size` bytes (0: size unknown yet).
  [[nodiscard]] std::uint64_t ifd_request_length(std::uint64_t offset, std::uint64_t known_size) const noexcept {
    std::uint64_t length = std::max(known_size, limits_.ifd_read_ahead);
    if (bytes_.file_size && *bytes_.file_size - offset < length) length = *bytes_.file_size - offset;
    return length;
  }

  static TiffWarning warning(WarningKind kind, std::size_t ifd, std::uint16_t tag, std::uint64_t offset,
                             std::uint64_t value, std::uint64_t limit) {
    TiffWarning w;
    w.kind = kind;
    w.ifd = static_cast<std::int32_t>(ifd);
    w.tag = tag;
    w.offset = offset;
    w.value = value;
    w.limit = limit;
    return w;
  }

  // A tag value that cannot be read. IFD 0 cannot do without the tags libtiff needs to open a
  // directory: there the file fails with `kind`. Anywhere else the entry is left out (or, for the
  // block arrays, kept unread) with a warning, as libtiff and GDAL read past it.
  template <typename... Args>
  EntryStep unreadable(bool ifd0, TiffWarning warning, TiffErrorKind kind, fmt::format_string<Args...> format,
                       Args&&... args) {
    const bool required = libtiff_required(warning.tag);
    if (ifd0 && required) {
      fail(kind, format, std::forward<Args>(args)...);
      return EntryStep::kFail;
    }
    warning.blocks_ifd = required;
    out_.warnings.push_back(std::move(warning));
    return EntryStep::kDrop;
  }

  // Checks the value of IFD `ifd_index` tag `tag` at [offset, offset + length) against the file size.
  EntryStep check_value_in_file(std::uint64_t offset, std::uint64_t length, std::size_t ifd_index, std::uint16_t tag,
                                bool ifd0) {
    constexpr std::uint64_t kLast = std::numeric_limits<std::uint64_t>::max();
    if (offset > kLast - length) {
      return unreadable(ifd0, warning(WarningKind::kValuePastEof, ifd_index, tag, offset, length, kLast),
                        TiffErrorKind::kOffsetPastEof, "IFD {} tag {}: value offset {} overflows a 64-bit file offset",
                        ifd_index, tag, offset);
    }
    if (!bytes_.file_size) return EntryStep::kKeep;
    const std::uint64_t size = *bytes_.file_size;
    if (offset >= size) {
      return unreadable(ifd0, warning(WarningKind::kValuePastEof, ifd_index, tag, offset, length, size),
                        TiffErrorKind::kOffsetPastEof,
                        "IFD {} tag {}: value offset {} is past the end of the {}-byte file", ifd_index, tag, offset,
                        size);
    }
    if (length > size - offset) {
      return unreadable(ifd0, warning(WarningKind::kValuePastEof, ifd_index, tag, offset, length, size),
                        TiffErrorKind::kTruncated, "IFD {} tag {}: value needs bytes {}..{} but the file ends at {}",
                        ifd_index, tag, offset, offset + length, size);
    }
    return EntryStep::kKeep;
  }

  Step read_file_header(std::uint64_t& first_ifd) {
    if (bytes_.file_size && *bytes_.file_size < kClassic.file_header_size) {
      return fail(TiffErrorKind::kTruncated, "the file has {} bytes, fewer than a TIFF header", *bytes_.file_size);
    }
    const std::uint8_t* p = find(0, kClassic.file_header_size);
    if (p == nullptr) {
      need(0, ifd_request_length(0, kBig.file_header_size));
      return Step::kNeed;
    }
    if (p[0] == 'I' && p[1] == 'I') {
      out_.byte_order = ByteOrder::kLittle;
    } else if (p[0] == 'M' && p[1] == 'M') {
      out_.byte_order = ByteOrder::kBig;
    } else {
      return fail(TiffErrorKind::kNotTiff, "no TIFF byte-order mark (first bytes 0x{:02x} 0x{:02x}, want II or MM)",
                  p[0], p[1]);
    }
    std::uint16_t magic = load_u16(p + 2, out_.byte_order);
    if (magic == 42) {
      layout_ = kClassic;
      first_ifd = load_u32(p + 4, out_.byte_order);
    } else if (magic == 43) {
      out_.bigtiff = true;
      layout_ = kBig;
      if (bytes_.file_size && *bytes_.file_size < kBig.file_header_size) {
        return fail(TiffErrorKind::kTruncated, "the file has {} bytes, fewer than a BigTIFF header", *bytes_.file_size);
      }
      p = find(0, kBig.file_header_size);
      if (p == nullptr) {
        need(0, ifd_request_length(0, kBig.file_header_size));
        return Step::kNeed;
      }
      std::uint16_t offset_bytesize = load_u16(p + 4, out_.byte_order);
      std::uint16_t reserved = load_u16(p + 6, out_.byte_order);
      if (offset_bytesize != 8 || reserved != 0) {
        return fail(TiffErrorKind::kBadBigTiffHeader,
                    "BigTIFF header has offset size {} and reserved word {} (want 8, 0)", offset_bytesize, reserved);
      }
      first_ifd = load_u64(p + 8, out_.byte_order);
    } else {
      return fail(TiffErrorKind::kNotTiff, "magic number {} is neither 42 (TIFF) nor 43 (BigTIFF)", magic);
    }
    out_.header_extent = layout_.file_header_size;
    if (first_ifd == 0) return fail(TiffErrorKind::kNoImage, "the first-IFD offset is 0: the file has no image");
    return Step::kDone;
  }

  [[nodiscard]] bool seen(std::uint64_t offset) const noexcept {
    return std::any_of(out_.ifds.begin(), out_.ifds.end(), [offset](const Ifd& ifd) { return ifd.offset == offset; });
  }

  // Follows next-IFD pointers from `offset` until 0, a missing IFD (kNeed) or an error. Once IFD 0
  // is read, an IFD that cannot be read (or a loop) ends its chain with a warning: what was read
  // before it stays, as libtiff and GDAL keep the directories they could read.
  Step walk_chain(std::uint64_t offset, std::int32_t parent) {
    std::int32_t previous = parent;  // the IFD whose pointer leads to `offset` (-1: the file header)
    while (offset != 0) {
      if (seen(offset)) {
        TiffWarning w;
        w.kind = WarningKind::kIfdLoop;
        w.ifd = previous;
        w.value = offset;
        out_.warnings.push_back(std::move(w));
        return Step::kDone;
      }
      if (out_.ifds.size() >= limits_.max_ifds) {
        return fail(TiffErrorKind::kOverBudget, "more than {} IFDs", limits_.max_ifds);
      }
      const std::size_t entries_before = out_.entries.size();
      const std::size_t warnings_before = out_.warnings.size();
      std::uint64_t next = 0;
      Step step = read_ifd(offset, parent, next);
      if (step == Step::kFail && !out_.ifds.empty() && is_ifd_damage(out_.error.kind)) {
        out_.entries.resize(entries_before);
        out_.warnings.resize(warnings_before);
        TiffWarning w;
        w.kind = previous == parent && parent >= 0 ? WarningKind::kSubIfdUnreadable : WarningKind::kIfdChainBroken;
        w.ifd = previous;
        w.value = offset;
        w.detail = std::move(out_.error.message);
        out_.error = TiffError{};
        out_.warnings.push_back(std::move(w));
        return Step::kDone;
      }
      if (step != Step::kDone) return step;
      previous = static_cast<std::int32_t>(out_.ifds.size() - 1);
      offset = next;
    }
    return Step::kDone;
  }

  Step read_ifd(std::uint64_t offset, std::int32_t parent, std::uint64_t& next) {
    const auto index = out_.ifds.size();
    if (offset < layout_.file_header_size) {
      return fail(TiffErrorKind::kBadOffset, "IFD {} offset {} points into the {}-byte file header", index, offset,
                  layout_.file_header_size);
    }
    if (bytes_.file_size && offset >= *bytes_.file_size) {
      return fail(TiffErrorKind::kOffsetPastEof, "IFD {} at offset {} is past the end of the {}-byte file", index,
                  offset, *bytes_.file_size);
    }
    const std::uint8_t* p = find(offset, layout_.count_size);
    if (p == nullptr) {
      if (bytes_.file_size && *bytes_.file_size - offset < layout_.count_size) {
        return fail(TiffErrorKind::kTruncated, "IFD {} at offset {}: the file ends inside its entry count", index,
                    offset);
      }
      need(offset, ifd_request_length(offset, 0));
      return Step::kNeed;
    }
    std::uint64_t count = out_.bigtiff ? load_u64(p, out_.byte_order) : load_u16(p, out_.byte_order);
    if (count == 0) return fail(TiffErrorKind::kNoImage, "IFD {} at offset {} has no entries", index, offset);
    if (count > limits_.max_entries_per_ifd) {
      return fail(TiffErrorKind::kCountTooLarge, "IFD {} at offset {} has {} entries, over the limit of {}", index,
                  offset, count, limits_.max_entries_per_ifd);
    }
    const std::uint64_t ifd_size = layout_.count_size + count * layout_.entry_size + layout_.offset_size;
    if (bytes_.file_size && ifd_size > *bytes_.file_size - offset) {
      return fail(TiffErrorKind::kTruncated, "IFD {} at offset {} has {} entries ({} bytes) but the file ends at {}",
                  index, offset, count, ifd_size, *bytes_.file_size);
    }
    p = find(offset, ifd_size);
    if (p == nullptr) {
      need(offset, ifd_request_length(offset, ifd_size));
      return Step::kNeed;
    }
    out_.header_extent = std::max(out_.header_extent, offset + ifd_size);

    Ifd ifd;
    ifd.offset = offset;
    ifd.first_entry = static_cast<std::uint32_t>(out_.entries.size());
    ifd.parent = parent;
    const bool ifd0 = index == 0 && parent < 0;
    const std::uint8_t* entry = p + layout_.count_size;
    std::uint32_t previous_tag = 0;
    bool sorted = true;
    for (std::uint64_t i = 0; i < count; ++i, entry += layout_.entry_size) {
      std::uint64_t entry_offset = offset + layout_.count_size + i * layout_.entry_size;
      const std::uint16_t tag = load_u16(entry, out_.byte_order);
      if (i > 0 && tag <= previous_tag) sorted = false;
      previous_tag = tag;
      switch (read_entry(entry, entry_offset, index, ifd0)) {
        case EntryStep::kFail:
          return Step::kFail;
        case EntryStep::kDrop:
          out_.entries.pop_back();
          break;
        case EntryStep::kKeep:
          break;
      }
    }
    ifd.entry_count = static_cast<std::uint32_t>(out_.entries.size() - ifd.first_entry);
    if (!sorted) {
      TiffWarning w;
      w.kind = WarningKind::kTagsNotSorted;
      w.ifd = static_cast<std::int32_t>(index);
      w.offset = offset;
      out_.warnings.push_back(std::move(w));
    }
    if (check_block_arrays(ifd, index, ifd0) == Step::kFail) return Step::kFail;
    ifd.next_offset = out_.bigtiff ? load_u64(entry, out_.byte_order) : load_u32(entry, out_.byte_order);
    next = ifd.next_offset;
    out_.ifds.push_back(ifd);
    return Step::kDone;
  }

  // Decodes one entry and locates its value. A value not held yet is requested and the entry
  // kept unloaded: the walk goes on, since the next-IFD pointer is already known. A value that
  // cannot be read at all is left out with a warning (see unreadable()).
  EntryStep read_entry(const std::uint8_t* p, std::uint64_t entry_offset, std::size_t ifd_index, bool ifd0) {
    Entry& e = out_.entries.emplace_back();
    e.tag = load_u16(p, out_.byte_order);
    const std::uint16_t type_code = load_u16(p + 2, out_.byte_order);
    const std::uint32_t type_size = field_type_size(type_code);
    if (type_size == 0) {
      return unreadable(ifd0, warning(WarningKind::kUnknownFieldType, ifd_index, e.tag, entry_offset, type_code, 0),
                        TiffErrorKind::kBadFieldType, "IFD {} tag {} has field type {}, which is not a TIFF type",
                        ifd_index, e.tag, type_code);
    }
    e.type = static_cast<FieldType>(type_code);
    e.count = out_.bigtiff ? load_u64(p + 4, out_.byte_order) : load_u32(p + 4, out_.byte_order);
    const std::uint8_t* value_field = p + 4 + layout_.offset_size;
    if (e.count > std::numeric_limits<std::uint64_t>::max() / type_size) {
      return unreadable(ifd0,
                        warning(WarningKind::kValueTooLarge, ifd_index, e.tag, entry_offset,
                                std::numeric_limits<std::uint64_t>::max(), limits_.max_value_bytes),
                        TiffErrorKind::kCountTooLarge, "IFD {} tag {} has count {}, too large for any file", ifd_index,
                        e.tag, e.count);
    }
    const std::uint64_t size = e.count * type_size;

    if (size <= layout_.offset_size) {  // the value sits in the entry itself
      e.is_inline = true;
      e.value_offset = entry_offset + 4 + layout_.offset_size;
      e.data = value_field;
      e.loaded = true;
      return check_ascii(e, ifd_index) == Step::kFail ? EntryStep::kFail : EntryStep::kKeep;
    }
    e.value_offset = out_.bigtiff ? load_u64(value_field, out_.byte_order) : load_u32(value_field, out_.byte_order);

    // The block arrays are never fetched: only where they lie matters, checked once the IFD is read.
    if (is_data_offsets_tag(e.tag)) return EntryStep::kKeep;

    if (size > limits_.max_value_bytes) {
      return unreadable(
          ifd0, warning(WarningKind::kValueTooLarge, ifd_index, e.tag, e.value_offset, size, limits_.max_value_bytes),
          TiffErrorKind::kCountTooLarge, "IFD {} tag {} has {} values of type {} ({} bytes), over the {}-byte limit",
          ifd_index, e.tag, e.count, type_code, size, limits_.max_value_bytes);
    }
    if (auto step = check_value_in_file(e.value_offset, size, ifd_index, e.tag, ifd0); step != EntryStep::kKeep) {
      return step;
    }
    value_bytes_ += size;
    if (value_bytes_ > limits_.max_value_bytes) {
      fail(TiffErrorKind::kOverBudget, "tag values of the header exceed the {}-byte limit", limits_.max_value_bytes);
      return EntryStep::kFail;
    }
    out_.header_extent = std::max(out_.header_extent, e.value_offset + size);
    e.data = find(e.value_offset, size);
    if (e.data == nullptr) {
      need(e.value_offset, size);
      return EntryStep::kKeep;
    }
    e.loaded = true;
    return check_ascii(e, ifd_index) == Step::kFail ? EntryStep::kFail : EntryStep::kKeep;
  }

  // The strip/tile offset and byte-count arrays of a read IFD: libtiff reads as many values as the
  // image has blocks, so those (not a longer declared count) must lie in the file.
  Step check_block_arrays(const Ifd& ifd, std::size_t ifd_index, bool ifd0) {
    const std::uint32_t end = ifd.first_entry + ifd.entry_count;
    for (std::uint32_t k = ifd.first_entry; k < end; ++k) {
      const Entry& e = out_.entries[k];
      if (!is_data_offsets_tag(e.tag) || e.is_inline) continue;
      const std::uint64_t full = e.byte_size();
      std::uint64_t used = full;
      constexpr std::uint64_t kLast = std::numeric_limits<std::uint64_t>::max();
      const bool fits = bytes_.file_size
                            ? e.value_offset < *bytes_.file_size && full <= *bytes_.file_size - e.value_offset
                            : e.value_offset <= kLast - full;
      // Only an array that does not fit needs the block count (the common case skips it).
      if (!fits) {
        if (auto blocks = describe_image(out_, ifd).expected_blocks; blocks && *blocks < e.count) {
          used = *blocks * field_type_size(e.type);
        }
      }
      if (used == 0) continue;
      const EntryStep step = check_value_in_file(e.value_offset, used, ifd_index, e.tag, ifd0);
      if (step == EntryStep::kFail) return Step::kFail;
      if (step == EntryStep::kDrop) continue;  // kept unread, with its warning
      constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
      std::uint64_t extent = full > kMax - e.value_offset ? kMax : e.value_offset + full;
      if (bytes_.file_size) extent = std::min(extent, *bytes_.file_size);
      out_.metadata_extent = std::max(out_.metadata_extent, extent);
    }
    return Step::kDone;
  }

  Step check_ascii(const Entry& e, std::size_t ifd_index) {
    if (e.type != FieldType::kAscii || !limits_.strict_ascii || is_valid_utf8(e.bytes())) return Step::kDone;
    return fail(TiffErrorKind::kInvalidAscii, "IFD {} tag {}: ASCII value of {} bytes is not valid text", ifd_index,
                e.tag, e.count);
  }

  // SubIFDs (tag 330) of every IFD found, including those of SubIFDs; bounded by max_ifds.
  Step walk_sub_ifds() {
    for (std::size_t i = 0; i < out_.ifds.size(); ++i) {
      const Ifd ifd = out_.ifds[i];  // by value: the vectors grow below
      for (std::uint32_t k = 0; k < ifd.entry_count; ++k) {
        const std::size_t entry_index = ifd.first_entry + k;
        if (out_.entries[entry_index].tag != kSubIfdsTag) continue;
        for (std::uint64_t j = 0; j < out_.entries[entry_index].count; ++j) {
          const Entry& e = out_.entries[entry_index];
          if (!e.loaded || !is_integer_type(e.type) || e.type == FieldType::kUndefined) break;
          std::uint64_t offset = uint_at(e, out_.byte_order, static_cast<std::size_t>(j));
          if (offset == 0) continue;
          Step step = walk_chain(offset, static_cast<std::int32_t>(i));
          if (step == Step::kFail) return step;
        }
      }
    }
    return Step::kDone;
  }

  ParseStatus finish() {
    out_.metadata_extent = std::max(out_.metadata_extent, out_.header_extent);
    if (!any_need_) {
      describe_images(out_);
      return ParseStatus::kComplete;
    }
    coalesce_ranges(out_.needed, limits_.coalesce_gap);
    std::uint64_t total = out_.header_bytes;
    for (const ByteRange& r : out_.needed) total += r.length;
    if (total > limits_.max_header_bytes) {
      fail(TiffErrorKind::kOverBudget, "the header needs {} bytes, over the {}-byte limit", total,
           limits_.max_header_bytes);
      return ParseStatus::kFailed;
    }
    return ParseStatus::kNeedMore;
  }

  const ParseLimits& limits_;
  const FileBytes& bytes_;
  TiffHeader& out_;
  Layout layout_ = kClassic;
  std::uint64_t value_bytes_ = 0;
  bool any_need_ = false;
};

}  // namespace

ParseStatus HeaderParser::parse(const FileBytes& bytes, TiffHeader& out) const {
  return ParseRun(limits_, bytes, out).run();
}

void coalesce_ranges(std::vector<ByteRange>& ranges, std::uint64_t gap) noexcept {
  if (ranges.size() < 2) return;
  std::sort(ranges.begin(), ranges.end(), [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  std::size_t kept = 0;
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    ByteRange& last = ranges[kept];
    const ByteRange& r = ranges[i];
    if (r.offset <= last.end() || r.offset - last.end() <= gap) {
      last.length = std::max(last.end(), r.end()) - last.offset;
    } else {
      ranges[++kept] = r;
    }
  }
  ranges.resize(kept + 1);
}

}  // namespace tdump::tiff
