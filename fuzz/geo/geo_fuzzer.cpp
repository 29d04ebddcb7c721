// libFuzzer target: the derived geo columns (src/geo) of an arbitrary file's IFD 0: whatever
// GeoKeys and model tags it holds go through libgeotiff and PROJ. The footprint must stay in
// lon/lat range and its WKB well formed; nothing may crash or hang.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "geo/derive.hpp"
#include "tiff/parser.hpp"

namespace {

// Walks ISO WKB as src/geo writes it; false when it is not a closed polygon (set) in range.
bool wkb_ok(std::string_view wkb) {
  std::size_t at = 0;
  auto u32 = [&](std::uint32_t& v) {
    if (at + 4 > wkb.size()) return false;
    std::memcpy(&v, wkb.data() + at, 4);
    at += 4;
    return true;
  };
  auto polygon = [&]() {
    std::uint32_t type = 0, rings = 0, points = 0;
    if (at >= wkb.size() || wkb[at++] != 1 || !u32(type) || type != 3 || !u32(rings) || rings != 1 || !u32(points)) {
      return false;
    }
    if (points < 4 || at + std::size_t{points} * 16 > wkb.size()) return false;
    for (std::uint32_t i = 0; i < points; ++i) {
      double x = 0, y = 0;
      std::memcpy(&x, wkb.data() + at, 8);
      std::memcpy(&y, wkb.data() + at + 8, 8);
      at += 16;
      if (!(x >= -180 && x <= 180 && y >= -90 - 1e-9 && y <= 90 + 1e-9)) return false;
    }
    return std::memcmp(wkb.data() + at - 16, wkb.data() + at - 16 - (std::size_t{points} - 1) * 16, 16) == 0;
  };
  if (wkb.size() < 5) return false;
  if (wkb[1] == 3) return polygon() && at == wkb.size();
  std::uint32_t type = 0, n = 0;
  at = 1;
  if (!u32(type) || type != 6 || !u32(n) || n == 0) return false;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!polygon()) return false;
  }
  return at == wkb.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  using namespace tdump;
  tiff::ByteChunk chunk{0, std::span<const std::uint8_t>(data, size)};
  tiff::ParseLimits limits;
  limits.max_ifds = 16;
  limits.strict_ascii = false;
  tiff::TiffHeader header;
  if (tiff::HeaderParser(limits).parse(tiff::FileBytes{std::span(&chunk, 1), size}, header) !=
      tiff::ParseStatus::kComplete) {
    return 0;
  }
  tiff::GeoKeySet keys;
  if (!tiff::decode_geokeys(header, header.ifds.front(), keys).ok()) return 0;
  const geo::GeoFacts& f = geo::thread_geo_deriver().derive(header, header.ifds.front(), keys);
  if (f.footprint) {
    const geo::Box& b = f.footprint->bbox;
    const bool lon_ok = b.xmin >= -180 && b.xmin <= 180 && b.xmax >= -180 && b.xmax <= 180;
    const bool lat_ok = b.ymin >= -90 && b.ymin <= b.ymax && b.ymax <= 90;
    if (!lon_ok || !lat_ok || !wkb_ok(f.footprint->wkb)) __builtin_trap();
  }
  if (f.crs != nullptr && f.crs->projjson.empty()) __builtin_trap();
  return 0;
}
