#include "geo/derive.hpp"

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
  if (generation_ != resolver_.generation()) {
    footprints_.clear();  // keyed by CRS pointers the resolver no longer holds
    generation_ = resolver_.generation();
  }
  if (auto it = footprints_.find(key); it != footprints_.end()) {
    ++reused_;
    return it->second;
  }
  if (footprints_.size() >= kMaxFootprints) footprints_.clear();
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

const GeoFacts& GeoDeriver::derive(const tiff::TiffHeader& header, const tiff::Ifd& ifd,
                                   const tiff::GeoKeySet& geokeys) {
  facts_.geotransform = geotransform(header, ifd, geokeys);
  facts_.bounds.reset();
  facts_.footprint.reset();
  facts_.dtype = dtype(header, ifd);
  facts_.crs = resolver_.resolve(geokeys);
  if (!facts_.geotransform) return facts_;
  const auto width = tiff::find_uint(header, ifd, tiff::tag::kImageWidth);
  const auto height = tiff::find_uint(header, ifd, tiff::tag::kImageLength);
  if (!width || !height) return facts_;
  facts_.bounds = raster_bounds(*facts_.geotransform, *width, *height);
  if (facts_.crs == nullptr) return facts_;
  const Cached& fp = footprint_of(GridKey{facts_.crs, *facts_.geotransform, *width, *height});
  if (fp.ok) facts_.footprint = Footprint{fp.bbox, fp.type, fp.wkb, fp.id};
  return facts_;
}

GeoDeriver& thread_geo_deriver() {
  thread_local GeoDeriver deriver(thread_crs_resolver());
  return deriver;
}

}  // namespace tdump::geo
