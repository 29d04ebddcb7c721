#pragma once
// The parsed form of a TIFF header: IFDs and their entries, exactly as stored in the file
// (interpretation lives in tags.hpp, values.hpp, geokeys.hpp and image_info.hpp; the one record
// of it kept here is each IFD's ImageInfo, described once when a parse completes).
//
// Entries point into the caller's byte buffers (ByteChunk) instead of copying them, so a
// TiffHeader is valid only while those buffers live. All storage is flat vectors that keep
// their capacity across parses: reusing one TiffHeader makes parsing allocation-free.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tiff/byte_order.hpp"
#include "tiff/field_type.hpp"
#include "tiff/tiff_error.hpp"
#include "tiff/warnings.hpp"

namespace tdump::tiff {

// [offset, offset + length) of the file.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  [[nodiscard]] std::uint64_t end() const noexcept { return offset + length; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Bytes of the file the caller holds: `bytes` are the file's bytes from `offset` on.
struct ByteChunk {
  std::uint64_t offset = 0;
  std::span<const std::uint8_t> bytes;
};

// Pointer to file bytes [offset, offset + length) when one chunk holds them all, else null.
[[nodiscard]] inline const std::uint8_t* find_bytes(std::span<const ByteChunk> chunks, std::uint64_t offset,
                                                    std::uint64_t length) noexcept {
  for (const ByteChunk& chunk : chunks) {
    if (offset < chunk.offset) continue;
    const std::uint64_t skip = offset - chunk.offset;
    if (skip <= chunk.bytes.size() && length <= chunk.bytes.size() - skip) return chunk.bytes.data() + skip;
  }
  return nullptr;
}

// Everything the caller holds of one file.
struct FileBytes {
  std::span<const ByteChunk> chunks;
  std::optional<std::uint64_t> file_size;  // when known, every offset is checked against it
};

struct Entry {
  std::uint16_t tag = 0;
  FieldType type = FieldType::kByte;
  std::uint64_t count = 0;
  // File offset of the value bytes (inside the entry itself when is_inline).
  std::uint64_t value_offset = 0;
  // count * field_type_size(type) bytes in file byte order; null when not loaded (the
  // strip/tile offset and byte-count arrays are never loaded) or when the size is 0.
  const std::uint8_t* data = nullptr;
  bool is_inline = false;
  bool loaded = false;

  [[nodiscard]] std::uint64_t byte_size() const noexcept { return count * field_type_size(type); }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept {
    return loaded && data != nullptr ? std::span<const std::uint8_t>(data, static_cast<std::size_t>(byte_size()))
                                     : std::span<const std::uint8_t>();
  }
};

struct Ifd {
  std::uint64_t offset = 0;
  std::uint64_t next_offset = 0;  // 0 ends the chain
  std::uint32_t first_entry = 0;  // index into TiffHeader::entries
  std::uint32_t entry_count = 0;
  // -1 for the main chain; else the index of the IFD whose SubIFDs tag (330) leads here.
  std::int32_t parent = -1;
};

// The image an IFD describes, with TIFF 6.0 defaults applied where the spec gives one (the
// `ifds` list of a row, the COG checks, and what tests compare with tiffinfo/gdalinfo); see
// image_info.hpp for how it is read.
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
  // The blocks libtiff expects when it opens the directory (TIFF 6.0 sections 3 and 15): tiled
  // when TileWidth or TileLength is present, RowsPerStrip defaulting to 2^32 - 1, times
  // SamplesPerPixel for PlanarConfiguration 2. Empty when ImageWidth or ImageLength is missing
  // or unreadable; saturating at 2^64 - 1.
  bool has_width = false;                         // an ImageWidth entry, readable or not
  bool has_length = false;                        // an ImageLength entry, readable or not
  bool tile_tags = false;                         // a TileWidth or TileLength entry: libtiff counts tiles, not strips
  std::optional<std::uint64_t> blocks_per_plane;  // of one sample plane (all blocks for chunky)
  std::optional<std::uint64_t> expected_blocks;   // of all planes
  std::uint64_t block_width = 0;                  // GDAL's: the tile width, or the image width for strips

  [[nodiscard]] bool is_reduced_resolution() const noexcept { return (new_subfile_type & 1U) != 0; }
  [[nodiscard]] bool is_mask() const noexcept { return (new_subfile_type & 4U) != 0; }
};

struct TiffHeader {
  bool bigtiff = false;
  ByteOrder byte_order = ByteOrder::kLittle;
  // Main-chain IFDs first, in chain order, then SubIFDs (each names its parent).
  std::vector<Ifd> ifds;
  std::vector<Entry> entries;
  std::uint32_t main_ifd_count = 0;
  // Sum of the bytes held when the parse finished (what the caller fetched).
  std::uint64_t header_bytes = 0;
  // The end of the furthest byte of the header proper: file header, IFDs, loaded tag values.
  std::uint64_t header_extent = 0;
  // Same, counting the strip/tile offset and byte-count arrays too (never fetched).
  std::uint64_t metadata_extent = 0;
  // Ranges still needed, coalesced and sorted (when a parse returned kNeedMore).
  std::vector<ByteRange> needed;
  TiffError error;  // when a parse returned kFailed
  // What was read past (kComplete): tags left out, a chain cut short, ... (see warnings.hpp).
  std::vector<TiffWarning> warnings;
  // One per IFD, described once when a parse completes (kComplete): the checks, the COG rules,
  // the row and the report all ask for the same few tags of every IFD. Read through
  // image_info(header, index), which describes a header built by hand on the spot.
  std::vector<ImageInfo> images;

  [[nodiscard]] std::span<const Entry> entries_of(const Ifd& ifd) const noexcept {
    return std::span<const Entry>(entries).subspan(ifd.first_entry, ifd.entry_count);
  }
  // The entry with this tag in the IFD, or null. Entries are few: a scan is the fast path.
  [[nodiscard]] const Entry* find(const Ifd& ifd, std::uint16_t tag) const noexcept {
    for (const Entry& e : entries_of(ifd)) {
      if (e.tag == tag) return &e;
    }
    return nullptr;
  }
  [[nodiscard]] std::span<const Ifd> main_chain() const noexcept {
    return std::span<const Ifd>(ifds).first(main_ifd_count);
  }

  // Empties the record and keeps every vector's capacity.
  void clear() noexcept;
};

}  // namespace tdump::tiff
