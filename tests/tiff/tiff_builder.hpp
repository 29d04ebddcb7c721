#pragma once
// Builds TIFF files byte by byte for unit tests, with full control of where every IFD and value
// lies (the expected values of a test are the ones it gave the builder, never parser output).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tiff/byte_order.hpp"

namespace tdump::tiff::testing {

struct BuildEntry {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;
  std::uint64_t count = 0;                  // defaults to the number of values given
  std::vector<std::uint64_t> ints;          // BYTE..LONG8, IFD, signed types (two's complement), RATIONAL pairs
  std::vector<double> reals;                // FLOAT, DOUBLE
  std::string bytes;                        // ASCII, UNDEFINED (stored as given)
  std::optional<std::uint64_t> place_at;    // write the out-of-line value at this file offset
  std::optional<std::uint64_t> raw_offset;  // store this value offset, write no value
};

BuildEntry shorts(std::uint16_t tag, std::vector<std::uint64_t> values);
BuildEntry longs(std::uint16_t tag, std::vector<std::uint64_t> values);
BuildEntry long8s(std::uint16_t tag, std::vector<std::uint64_t> values);
BuildEntry doubles(std::uint16_t tag, std::vector<double> values);
BuildEntry ascii(std::uint16_t tag, const std::string& text);  // adds the NUL
BuildEntry typed(std::uint16_t tag, std::uint16_t type, std::vector<std::uint64_t> ints);

class TiffBuilder {
 public:
  TiffBuilder(ByteOrder order, bool bigtiff);

  // Writes an IFD at `at` (or the current end), its out-of-line values right after it unless an
  // entry says otherwise. Entries are written in the order given. Returns the IFD's offset.
  std::uint64_t add_ifd(const std::vector<BuildEntry>& entries, std::optional<std::uint64_t> at = std::nullopt);
  void set_next(std::uint64_t ifd_offset, std::uint64_t next);
  void set_first_ifd(std::uint64_t offset);
  // Appends raw bytes (e.g. pixel data) and returns their offset.
  std::uint64_t append(const std::string& data);
  void pad_to(std::uint64_t size);
  [[nodiscard]] std::uint64_t size() const { return bytes_.size(); }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }

  // Byte size of one IFD with n entries.
  [[nodiscard]] std::uint64_t ifd_size(std::size_t n) const;

 private:
  void put(std::uint64_t offset, std::uint64_t value, int width);
  std::string encode(const BuildEntry& e) const;

  ByteOrder order_;
  bool big_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::pair<std::uint64_t, std::size_t>> next_fields_;  // IFD offset -> next-pointer position
};

// A minimal valid 1x1 grey image IFD (strip at `pixel_offset`) plus `extra` entries, sorted by tag.
std::vector<BuildEntry> image_ifd(std::uint64_t pixel_offset, std::vector<BuildEntry> extra = {});

// A GeoTIFF whose directory holds `keys` (id, location, count, value) after the 4-value header,
// with GeoDoubleParams / GeoAsciiParams when given and `trailing_shorts` after the keys.
std::vector<std::uint8_t> geotiff(ByteOrder order, const std::vector<std::vector<std::uint64_t>>& keys,
                                  const std::vector<double>& params = {}, const std::string& ascii_params = {},
                                  const std::vector<std::uint64_t>& trailing_shorts = {});

}  // namespace tdump::tiff::testing
