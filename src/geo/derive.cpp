#include "geo/derive.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <string_view>

#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::geo {

std::size_t GeoDeriver::GridHash::operator()(const GridKey& k) const noexcept {
  // Word by word (doubles by their bits: equal grids are bit-equal), a multiply-xorshift mix.
  std::uint64_t h = reinterpret_cast<std::uintptr_t>(k.crs);
  auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  };
  for (double v : k.gt) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    mix(bits);
  }
  mix(k.width);
  mix(k.height);
  return static_cast<std::size_t>(h);
}

const GeoDeriver::Cached& GeoDeriver::footprint_of(const GridKey& key) {
  sync_generation();
  if (auto it = footprints_.find(key); it != footprints_.end()) {
    ++reused_;
    return it->second;
  }
  if (footprints_.size() >= kMaxFootprints) {
    footprints_.clear();
    ++epoch_;  // memo entries point at the footprints dropped
  }
  ++built_;
  Cached entry;
  Footprint fp;
  if (builder_.build(*key.crs, key.gt, key.width, key.height, fp)) {
    entry.ok = true;
    entry.id = next_value_id();
    entry.bbox = fp.bbox;
    entry.type = fp.type;
    entry.wkb.assign(fp.wkb);
  }
  return footprints_.emplace(key, std::move(entry)).first->second;
}

namespace {

// The IFD 0 entries derive() reads (geotransform(), dtype(), the raster's size): the first entry
// of each tag, as TiffHeader::find gives it.
constexpr std::array<std::uint16_t, 7> kInputTags = {
    tiff::tag::kImageWidth,      tiff::tag::kImageLength,   tiff::tag::kBitsPerSample,       tiff::tag::kSampleFormat,
    tiff::tag::kModelPixelScale, tiff::tag::kModelTiepoint, tiff::tag::kModelTransformation,
};

// The index of a tag in kInputTags, or -1. A row asks this of every entry of IFD 0: a table for
// the small tags, three compares for the model tags.
constexpr std::array<std::int8_t, 512> kSmallInputIndex = [] {
  std::array<std::int8_t, 512> index{};
  for (auto& i : index) i = -1;
  for (std::size_t i = 0; i < kInputTags.size(); ++i) {
    if (kInputTags[i] < index.size()) index[kInputTags[i]] = static_cast<std::int8_t>(i);
  }
  return index;
}();
static_assert(kInputTags[0] < 512 && kInputTags[1] < 512 && kInputTags[2] < 512 && kInputTags[3] < 512 &&
              kInputTags[4] >= 512 && kInputTags[5] >= 512 && kInputTags[6] >= 512);

int input_index(std::uint16_t tag) noexcept {
  if (tag < kSmallInputIndex.size()) return kSmallInputIndex[tag];
  if (tag == kInputTags[4]) return 4;
  if (tag == kInputTags[5]) return 5;
  if (tag == kInputTags[6]) return 6;
  return -1;
}

// Appends raw bytes at `at` (the caller has checked the room). Keys are a few hundred bytes in
// short pieces: copied inline, not through memcpy calls.
struct KeyWriter {
  char* at;
  template <typename T>
  void put(const T& v) noexcept {
    std::memcpy(at, &v, sizeof v);
    at += sizeof v;
  }
  void put_bytes(const void* from, std::size_t n) noexcept {
    const auto* p = static_cast<const char*>(from);
    for (; n >= 8; n -= 8, p += 8, at += 8) std::memcpy(at, p, 8);
    if (n >= 4) {
      std::memcpy(at, p, 4);
      n -= 4, p += 4, at += 4;
    }
    if (n >= 2) {
      std::memcpy(at, p, 2);
      n -= 2, p += 2, at += 2;
    }
    if (n != 0) *at++ = *p;
  }
};

// A multiply-xorshift mix of the 8-byte words of `n` bytes (the last word zero-padded).
std::uint64_t hash_words(const char* p, std::size_t n) noexcept {
  std::uint64_t h = n;
  auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  };
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    mix(w);
  }
  if (n != 0) {
    // Eight bytes read, those past the n masked off (the key buffer has 8 bytes of room past
    // any key).
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::little) {
      w &= ~std::uint64_t{0} >> (64U - 8U * n);
    } else {
      w >>= 64U - 8U * n;
    }
    mix(w);
  }
  return h;
}

}  // namespace

bool GeoDeriver::make_key(const tiff::TiffHeader& header, const tiff::Ifd& ifd, const tiff::GeoKeySet& geokeys) {
  std::array<const tiff::Entry*, kInputTags.size()> entries{};
  for (const tiff::Entry& e : header.entries_of(ifd)) {
    const int i = input_index(e.tag);
    if (i >= 0 && entries[static_cast<std::size_t>(i)] == nullptr) entries[static_cast<std::size_t>(i)] = &e;
  }
  // Every value derive() can read, and what decides whether it reads it: an entry's type, count
  // and whether it was loaded, then its bytes (as many as those three say); each GeoKey's id,
  // kind, place and text, then the SHORT and DOUBLE values the keys index. Sizes that do not fit
  // the packed fields are not memoised (no real file has them).
  struct EntryHead {
    std::uint32_t count;
    std::uint16_t type;
    std::uint8_t loaded;
    std::uint8_t present;
  };
  struct KeyHead {
    std::uint32_t first;
    std::uint32_t size;
    std::uint32_t text;  // bytes
    std::uint16_t id;
    std::uint16_t kind;
  };
  static_assert(sizeof(EntryHead) == 8 && sizeof(KeyHead) == 16);
  const std::size_t n_keys = geokeys.keys.size();
  const std::size_t n_shorts = geokeys.shorts.size();
  const std::size_t n_doubles = geokeys.doubles.size();
  // Heads first (at fixed places), counting what the values need; then the values.
  std::size_t need = 16 + entries.size() * sizeof(EntryHead) + n_keys * sizeof(KeyHead) +
                     n_shorts * sizeof(std::uint16_t) + n_doubles * sizeof(double);
  if (need > kMaxMemoKeyBytes || n_shorts > 0xFFFF || n_doubles > 0xFFFF) return false;
  if (key_.size() < kMaxMemoKeyBytes + 8) key_.resize(kMaxMemoKeyBytes + 8);
  KeyWriter w{key_.data()};
  w.put(std::array<std::uint32_t, 4>{static_cast<std::uint32_t>(header.byte_order),
                                     static_cast<std::uint32_t>(geokeys.present), static_cast<std::uint32_t>(n_keys),
                                     static_cast<std::uint32_t>(n_shorts << 16U | n_doubles)});
  std::array<std::uint32_t, kInputTags.size()> sizes{};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const tiff::Entry* e = entries[i];
    EntryHead head{};
    if (e != nullptr) {
      if (e->count > 0xFFFFFFFFU) return false;
      const std::size_t size = e->bytes().size();
      if (size > kMaxMemoKeyBytes) return false;
      sizes[i] = static_cast<std::uint32_t>(size);
      need += size;
      head = {static_cast<std::uint32_t>(e->count), static_cast<std::uint16_t>(e->type),
              static_cast<std::uint8_t>(e->loaded), 1};
    }
    w.put(head);
  }
  for (const tiff::GeoKey& k : geokeys.keys) {
    // A text is at most 65,535 bytes (a 16-bit count): the sum cannot wrap.
    need += k.text.size();
    w.put(
        KeyHead{k.first, k.size, static_cast<std::uint32_t>(k.text.size()), k.id, static_cast<std::uint16_t>(k.kind)});
  }
  if (need > kMaxMemoKeyBytes) return false;
  const char* hashed_from = w.at;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (sizes[i] != 0) w.put_bytes(entries[i]->data, sizes[i]);
  }
  w.put_bytes(geokeys.shorts.data(), n_shorts * sizeof(std::uint16_t));
  w.put_bytes(geokeys.doubles.data(), n_doubles * sizeof(double));
  // The hash covers the values (the grid, the pixel type, the keys' numbers), which tell files
  // apart; the compare covers everything.
  key_hash_ = hash_words(hashed_from, static_cast<std::size_t>(w.at - hashed_from));
  for (const tiff::GeoKey& k : geokeys.keys) w.put_bytes(k.text.data(), k.text.size());
  key_size_ = static_cast<std::size_t>(w.at - key_.data());
  return true;
}

void GeoDeriver::sync_generation() {
  if (generation_ == resolver_.generation()) return;
  footprints_.clear();  // keyed by CRS pointers the resolver no longer holds
  generation_ = resolver_.generation();
  ++epoch_;
}

void GeoDeriver::compute(const tiff::TiffHeader& header, const tiff::Ifd& ifd, const tiff::GeoKeySet& geokeys) {
  facts_.geotransform = geotransform(header, ifd, geokeys);
  facts_.bounds.reset();
  facts_.footprint.reset();
  facts_.dtype = dtype(header, ifd);
  facts_.crs = resolver_.resolve(geokeys);
  if (!facts_.geotransform) return;
  const auto width = tiff::find_uint(header, ifd, tiff::tag::kImageWidth);
  const auto height = tiff::find_uint(header, ifd, tiff::tag::kImageLength);
  if (!width || !height) return;
  facts_.bounds = raster_bounds(*facts_.geotransform, *width, *height);
  if (facts_.crs == nullptr) return;
  const Cached& fp = footprint_of(GridKey{facts_.crs, *facts_.geotransform, *width, *height});
  if (fp.ok) facts_.footprint = Footprint{fp.bbox, fp.type, fp.wkb, fp.id};
}

const GeoFacts& GeoDeriver::derive(const tiff::TiffHeader& header, const tiff::Ifd& ifd,
                                   const tiff::GeoKeySet& geokeys) {
  sync_generation();
  if (!make_key(header, ifd, geokeys)) {
    compute(header, ifd, geokeys);
    return facts_;
  }
  if (memo_.empty()) memo_.resize(kMemoSlots);
  const std::string_view key(key_.data(), key_size_);
  const std::size_t home = static_cast<std::size_t>(key_hash_ >> 32U) & (kMemoSlots - 1);
  MemoEntry* free_slot = nullptr;
  for (std::size_t probe = 0; probe < kMemoProbes; ++probe) {
    MemoEntry& m = memo_[(home + probe) & (kMemoSlots - 1)];
    if (m.epoch != epoch_) {
      if (free_slot == nullptr) free_slot = &m;
      continue;
    }
    if (m.hash == key_hash_ && std::string_view(m.key) == key) {
      ++memo_hits_;
      return m.facts;
    }
  }
  ++memo_misses_;
  compute(header, ifd, geokeys);
  // Computing may have dropped CRSs (a full resolver) or footprints: older entries are stale.
  sync_generation();
  MemoEntry& slot = free_slot != nullptr && free_slot->epoch != epoch_ ? *free_slot : memo_[home];
  slot.epoch = epoch_;
  slot.hash = key_hash_;
  slot.key.assign(key);
  slot.facts = facts_;
  return slot.facts;
}

GeoDeriver& thread_geo_deriver() {
  thread_local GeoDeriver deriver(thread_crs_resolver());
  return deriver;
}

}  // namespace tdump::geo
