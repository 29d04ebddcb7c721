#pragma once
// Everything "where is this raster" for IFD 0 of one parsed header, in one call: the
// geotransform, the bounds in the file's CRS, the CRS (EPSG code, PROJJSON), the lon/lat bbox
// and footprint polygon, and the pixel type. One GeoDeriver per thread: it owns the thread's CRS
// cache, a memo of whole results and scratch space, so a warm call allocates nothing.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "geo/crs.hpp"
#include "geo/footprint.hpp"
#include "geo/raster.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::geo {

struct GeoFacts {
  std::optional<GeoTransform> geotransform;
  std::optional<Box> bounds;  // in the file's CRS, x = easting or longitude (GDAL's GIS order)
  const Crs* crs = nullptr;   // null without a CRS; owned by the deriver's resolver
  // The lon/lat bbox and footprint: both or neither (GeoParquet: a row has a bbox covering if
  // and only if it has a geometry).
  std::optional<Footprint> footprint;
  std::optional<std::string_view> dtype;
};

class GeoDeriver {
 public:
  explicit GeoDeriver(CrsResolver& resolver) : resolver_(resolver) {}

  // The facts of `ifd` (IFD 0). The result, and the strings it points to, stay valid until the
  // next call on this deriver (or until the resolver is cleared).
  //
  // Files of one bucket share a few grids: the result is memoised, keyed by every byte derive
  // reads (the byte order, the entries of IFD 0 it looks at, the GeoKeys), so a file like one
  // seen before costs one pass over its IFD, a hash and a compare.
  const GeoFacts& derive(const tiff::TiffHeader& header, const tiff::Ifd& ifd, const tiff::GeoKeySet& geokeys);

  [[nodiscard]] CrsResolver& resolver() noexcept { return resolver_; }
  // Footprints computed (misses of the footprint cache) and taken from the cache.
  [[nodiscard]] std::uint64_t footprints_built() const noexcept { return built_; }
  [[nodiscard]] std::uint64_t footprints_reused() const noexcept { return reused_; }
  // Results taken from the memo, and results computed.
  [[nodiscard]] std::uint64_t memo_hits() const noexcept { return memo_hits_; }
  [[nodiscard]] std::uint64_t memo_misses() const noexcept { return memo_misses_; }
  // Footprints kept: files on one grid (the bands and dates of one tile) share one; past this
  // many the cache starts over.
  static constexpr std::size_t kMaxFootprints = 2048;
  // Memo slots (results kept; a new result takes the slot of an old one when its few probed
  // slots are taken), and the largest key memoised: inputs larger than this (e.g. thousands of
  // tiepoints) are derived every time.
  static constexpr std::size_t kMemoSlots = 512;
  static constexpr std::size_t kMemoProbes = 4;
  static constexpr std::size_t kMaxMemoKeyBytes = 4096;

 private:
  // One grid: the CRS, the geotransform and the raster's size decide the footprint.
  struct GridKey {
    const Crs* crs = nullptr;
    GeoTransform gt{};
    std::uint64_t width = 0, height = 0;
    friend bool operator==(const GridKey&, const GridKey&) = default;
  };
  struct GridHash {
    std::size_t operator()(const GridKey& k) const noexcept;
  };
  struct Cached {
    bool ok = false;  // false: the grid has no footprint
    std::uint64_t id = 0;
    Box bbox;
    GeometryType type = GeometryType::kPolygon;
    std::string wkb;
  };
  const Cached& footprint_of(const GridKey& key);
  // derive() without the memo: into facts_.
  void compute(const tiff::TiffHeader& header, const tiff::Ifd& ifd, const tiff::GeoKeySet& geokeys);
  // key_ (key_size_ bytes) and its hash from derive()'s inputs; false when they are over
  // kMaxMemoKeyBytes.
  bool make_key(const tiff::TiffHeader& header, const tiff::Ifd& ifd, const tiff::GeoKeySet& geokeys);
  // Drops whatever the memo and the footprint cache hold when the resolver dropped its CRSs.
  void sync_generation();

  struct MemoEntry {
    std::uint64_t epoch = 0;  // 0: empty; else the epoch_ the facts were derived in
    std::uint64_t hash = 0;
    std::string key;
    GeoFacts facts;
  };

  CrsResolver& resolver_;
  FootprintBuilder builder_;
  GeoFacts facts_;
  std::unordered_map<GridKey, Cached, GridHash> footprints_;
  std::uint64_t generation_ = 0;  // of the resolver when footprints_ was filled
  std::uint64_t built_ = 0, reused_ = 0;
  // The memo. Its entries point into the resolver's CRSs and footprints_: whenever either drops
  // values, epoch_ moves on and entries of older epochs are stale.
  std::vector<MemoEntry> memo_;  // kMemoSlots once used
  std::uint64_t epoch_ = 1;
  std::string key_;  // scratch: kMaxMemoKeyBytes + 8, the first key_size_ of them the current key
  std::size_t key_size_ = 0;
  std::uint64_t key_hash_ = 0;
  std::uint64_t memo_hits_ = 0, memo_misses_ = 0;
};

// The calling thread's deriver (over thread_crs_resolver()).
GeoDeriver& thread_geo_deriver();

}  // namespace tdump::geo
