#pragma once
// The coordinate reference system a GeoKey set describes, resolved with libgeotiff (to normalize
// the keys the way GDAL reads them) and PROJ (to build the CRS, identify its EPSG code, write it
// as PROJJSON and transform to OGC:CRS84). See docs/geo.md for the rules and why this split.
//
// Resolving is slow (PROJ database look-ups: a millisecond or more), so a CrsResolver keeps every
// CRS it has built, keyed by the GeoKeys that shape it: a bucket has few CRSs, and after the first
// header of each a look-up costs one hash of the keys. A resolver is one thread's: PROJ objects
// and their context may not be shared between threads.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tiff/geokeys.hpp"

struct PJconsts;  // PROJ's PJ
struct pj_ctx;    // PROJ's PJ_CONTEXT

namespace tdump::geo {

// Owns one PROJ object.
struct PjDeleter {
  void operator()(PJconsts* pj) const noexcept;
};
using PjPtr = std::unique_ptr<PJconsts, PjDeleter>;

// One resolved CRS. Immutable once built; owned by the resolver that built it.
struct Crs {
  std::uint64_t id = 0;              // unique in the process (next_value_id()): names projjson's bytes
  std::optional<std::int32_t> epsg;  // the EPSG code (see docs/geo.md), else none
  std::string projjson;              // PROJJSON text, one line
  std::string name;
  bool geographic = false;  // an ellipsoidal (lon/lat) CRS: the file's coordinates are degrees
  PjPtr crs;                // the CRS itself
  // file CRS -> OGC:CRS84, both sides in GIS order (easting/longitude first); null when PROJ
  // finds no transformation.
  PjPtr to_lonlat;
  bool identity = false;  // to_lonlat changes no coordinate (the file is in lon/lat on WGS 84)
  // Where the poles lie in the file's CRS (GIS order), when they have a position there.
  std::optional<std::array<double, 2>> north_pole, south_pole;
};

class CrsResolver {
 public:
  CrsResolver();
  ~CrsResolver();
  CrsResolver(const CrsResolver&) = delete;
  CrsResolver& operator=(const CrsResolver&) = delete;

  // The CRS of `keys`, or null when they describe none (no GeoKeys, no model type, a geocentric
  // or unsupported definition). The pointer stays valid until clear() or destruction.
  const Crs* resolve(const tiff::GeoKeySet& keys);

  [[nodiscard]] std::size_t size() const noexcept { return cache_.size(); }
  // Changes whenever cached CRSs are dropped (pointers from resolve() are then dangling).
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
  // Resolutions that had to build a CRS (cache misses).
  [[nodiscard]] std::uint64_t builds() const noexcept { return builds_; }
  void clear() noexcept {
    cache_.clear();
    ++generation_;
  }

  [[nodiscard]] pj_ctx* context() const noexcept { return ctx_; }

  // Entries kept before the cache starts over (a bucket whose every file has its own GeoKeys,
  // e.g. a per-file citation, must not grow it without bound).
  static constexpr std::size_t kMaxEntries = 1024;

 private:
  std::unique_ptr<Crs> build(const tiff::GeoKeySet& keys);

  pj_ctx* ctx_ = nullptr;  // this thread's PROJ context (owned)
  PjPtr wgs84_;            // EPSG:4326, the target of the transformations to lon/lat
  std::string key_;        // scratch: the cache key of the keys being resolved
  std::unordered_map<std::string, std::unique_ptr<Crs>> cache_;  // null value: "no CRS"
  std::uint64_t builds_ = 0;
  std::uint64_t generation_ = 0;
};

// A process-wide unique, never-zero id for an immutable cached value (CRS, footprint), so a
// row writer can store each value once per batch (parquet::ColumnBatch::set_shared_string).
std::uint64_t next_value_id() noexcept;

// The resolver of the calling thread (made on first use, lives as long as the thread).
CrsResolver& thread_crs_resolver();

}  // namespace tdump::geo
