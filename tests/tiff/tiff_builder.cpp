#include "tiff_builder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace tdump::tiff::testing {

namespace {
int type_size(std::uint16_t type) {
  switch (type) {
    case 1:
    case 2:
    case 6:
    case 7:
      return 1;
    case 3:
    case 8:
      return 2;
    case 4:
    case 9:
    case 11:
    case 13:
      return 4;
    case 5:
    case 10:
    case 12:
    case 16:
    case 17:
    case 18:
      return 8;
    default:
      return 1;  // invalid types in hostile-input tests: any size
  }
}
}  // namespace

BuildEntry shorts(std::uint16_t tag, std::vector<std::uint64_t> values) {
  return typed(tag, 3, std::move(values));
}
BuildEntry longs(std::uint16_t tag, std::vector<std::uint64_t> values) {
  return typed(tag, 4, std::move(values));
}
BuildEntry long8s(std::uint16_t tag, std::vector<std::uint64_t> values) {
  return typed(tag, 16, std::move(values));
}
BuildEntry typed(std::uint16_t tag, std::uint16_t type, std::vector<std::uint64_t> ints) {
  BuildEntry e;
  e.tag = tag;
  e.type = type;
  e.count = (type == 5 || type == 10) ? ints.size() / 2 : ints.size();
  e.ints = std::move(ints);
  return e;
}
BuildEntry doubles(std::uint16_t tag, std::vector<double> values) {
  BuildEntry e;
  e.tag = tag;
  e.type = 12;
  e.count = values.size();
  e.reals = std::move(values);
  return e;
}
BuildEntry ascii(std::uint16_t tag, const std::string& text) {
  BuildEntry e;
  e.tag = tag;
  e.type = 2;
  e.bytes = text + '\0';
  e.count = e.bytes.size();
  return e;
}

TiffBuilder::TiffBuilder(ByteOrder order, bool bigtiff) : order_(order), big_(bigtiff) {
  bytes_ = {order == ByteOrder::kLittle ? std::uint8_t{'I'} : std::uint8_t{'M'},
            order == ByteOrder::kLittle ? std::uint8_t{'I'} : std::uint8_t{'M'}};
  if (big_) {
    bytes_.resize(16);
    put(2, 43, 2);
    put(4, 8, 2);
    put(6, 0, 2);
  } else {
    bytes_.resize(8);
    put(2, 42, 2);
  }
}

void TiffBuilder::put(std::uint64_t offset, std::uint64_t value, int width) {
  if (offset + width > bytes_.size()) bytes_.resize(offset + width);
  for (int i = 0; i < width; ++i) {
    int shift = order_ == ByteOrder::kLittle ? 8 * i : 8 * (width - 1 - i);
    bytes_[offset + i] = static_cast<std::uint8_t>(value >> shift);
  }
}

std::string TiffBuilder::encode(const BuildEntry& e) const {
  std::string out;
  auto push = [&](std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) {
      int shift = order_ == ByteOrder::kLittle ? 8 * i : 8 * (width - 1 - i);
      out += static_cast<char>(v >> shift);
    }
  };
  if (e.type == 2 || e.type == 7) return e.bytes;
  if (e.type == 11) {
    for (double d : e.reals) push(std::bit_cast<std::uint32_t>(static_cast<float>(d)), 4);
  } else if (e.type == 12) {
    for (double d : e.reals) push(std::bit_cast<std::uint64_t>(d), 8);
  } else if (e.type == 5 || e.type == 10) {
    for (std::uint64_t v : e.ints) push(v, 4);
  } else {
    for (std::uint64_t v : e.ints) push(v, type_size(e.type));
  }
  return out;
}

std::uint64_t TiffBuilder::ifd_size(std::size_t n) const {
  return big_ ? 8 + 20 * n + 8 : 2 + 12 * n + 4;
}

std::uint64_t TiffBuilder::add_ifd(const std::vector<BuildEntry>& entries, std::optional<std::uint64_t> at) {
  if (bytes_.size() % 2 != 0) bytes_.push_back(0);
  const std::uint64_t offset = at.value_or(bytes_.size());
  const int count_width = big_ ? 8 : 2;
  const int field_width = big_ ? 8 : 4;
  const std::uint64_t entry_size = big_ ? 20 : 12;
  std::uint64_t cursor = offset + ifd_size(entries.size());
  if (bytes_.size() < cursor) bytes_.resize(cursor);
  put(offset, entries.size(), count_width);
  std::vector<std::pair<std::uint64_t, std::string>> deferred;  // values placed far away
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const BuildEntry& e = entries[i];
    const std::uint64_t at_entry = offset + count_width + i * entry_size;
    put(at_entry, e.tag, 2);
    put(at_entry + 2, e.type, 2);
    put(at_entry + 4, e.count, big_ ? 8 : 4);
    const std::uint64_t field = at_entry + 4 + field_width;
    if (e.raw_offset) {
      put(field, *e.raw_offset, field_width);
      continue;
    }
    std::string value = encode(e);
    if (value.size() <= static_cast<std::size_t>(field_width)) {
      std::memcpy(bytes_.data() + field, value.data(), value.size());
      continue;
    }
    if (e.place_at) {
      put(field, *e.place_at, field_width);
      deferred.emplace_back(*e.place_at, std::move(value));
      continue;
    }
    cursor += cursor % 2;
    put(field, cursor, field_width);
    if (bytes_.size() < cursor + value.size()) bytes_.resize(cursor + value.size());
    std::memcpy(bytes_.data() + cursor, value.data(), value.size());
    cursor += value.size();
  }
  next_fields_.emplace_back(offset, offset + count_width + entries.size() * entry_size);
  for (auto& [where, value] : deferred) {
    if (bytes_.size() < where + value.size()) bytes_.resize(where + value.size());
    std::memcpy(bytes_.data() + where, value.data(), value.size());
  }
  return offset;
}

void TiffBuilder::set_next(std::uint64_t ifd_offset, std::uint64_t next) {
  for (auto& [ifd, field] : next_fields_) {
    if (ifd == ifd_offset) {
      put(field, next, big_ ? 8 : 4);
      return;
    }
  }
  throw std::logic_error("set_next: no IFD at that offset");
}

void TiffBuilder::set_first_ifd(std::uint64_t offset) {
  put(big_ ? 8 : 4, offset, big_ ? 8 : 4);
}

std::uint64_t TiffBuilder::append(const std::string& data) {
  if (bytes_.size() % 2 != 0) bytes_.push_back(0);
  std::uint64_t offset = bytes_.size();
  bytes_.insert(bytes_.end(), data.begin(), data.end());
  return offset;
}

void TiffBuilder::pad_to(std::uint64_t size) {
  if (bytes_.size() < size) bytes_.resize(size);
}

std::vector<BuildEntry> image_ifd(std::uint64_t pixel_offset, std::vector<BuildEntry> extra) {
  std::vector<BuildEntry> entries = {
      shorts(256, {1}),           shorts(257, {1}), shorts(258, {8}), shorts(259, {1}), shorts(262, {1}),
      longs(273, {pixel_offset}), shorts(277, {1}), shorts(278, {1}), longs(279, {1}),
  };
  for (auto& e : extra) entries.push_back(std::move(e));
  std::stable_sort(entries.begin(), entries.end(),
                   [](const BuildEntry& a, const BuildEntry& b) { return a.tag < b.tag; });
  return entries;
}

std::vector<std::uint8_t> geotiff(ByteOrder order, const std::vector<std::vector<std::uint64_t>>& keys,
                                  const std::vector<double>& params, const std::string& ascii_params,
                                  const std::vector<std::uint64_t>& trailing_shorts) {
  TiffBuilder b(order, false);
  const std::uint64_t pixel = b.append("x");
  std::vector<std::uint64_t> dir = {1, 1, 0, keys.size()};
  for (const auto& k : keys) dir.insert(dir.end(), k.begin(), k.end());
  dir.insert(dir.end(), trailing_shorts.begin(), trailing_shorts.end());
  std::vector<BuildEntry> extra = {shorts(34735, dir)};
  if (!params.empty()) extra.push_back(doubles(34736, params));
  if (!ascii_params.empty()) extra.push_back(ascii(34737, ascii_params));
  b.set_first_ifd(b.add_ifd(image_ifd(pixel, extra)));
  return b.bytes();
}

}  // namespace tdump::tiff::testing
