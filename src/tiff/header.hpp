#pragma once
// The parsed form of a TIFF header: IFDs and their entries, exactly as stored in the file
// (no interpretation here; see tags.hpp, values.hpp, geokeys.hpp, image_info.hpp).
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
