// The per-header cost of the derived geo columns (src/geo), from memory:
//   Derive/<file>        everything a row gets (geotransform, CRS from the warm per-thread cache,
//                        bbox + footprint WKB through PROJ, dtype): the steady state of a run
//   Footprint/<file>     the bbox + footprint alone (89 points through PROJ)
//   CrsCacheHit/<file>   the CRS look-up alone (hash of the GeoKeys)
//   CrsFirstSight/<file> a CRS resolved from scratch (cache cleared every iteration): what the
//                        first header of each CRS costs
// Usage: bench_geo DATA_DIR [benchmark flags]; DATA_DIR holds the files bench/geo/run.sh makes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "geo/derive.hpp"
#include "tiff/parser.hpp"
#include "tiff/values.hpp"

namespace {

using namespace tdump;

struct Parsed {
  std::vector<std::uint8_t> bytes;
  tiff::TiffHeader header;
  tiff::GeoKeySet keys;
};

std::unique_ptr<Parsed> load(const std::filesystem::path& path) {
  auto p = std::make_unique<Parsed>();
  std::ifstream in(path, std::ios::binary);
  // The header lies in the first 64 KiB of these files; the parse only needs that.
  p->bytes.resize(64 * 1024);
  in.read(reinterpret_cast<char*>(p->bytes.data()), static_cast<std::streamsize>(p->bytes.size()));
  p->bytes.resize(static_cast<std::size_t>(in.gcount()));
  tiff::ByteChunk chunk{0, p->bytes};
  const auto status = tiff::HeaderParser().parse(tiff::FileBytes{std::span(&chunk, 1), std::nullopt}, p->header);
  if (status != tiff::ParseStatus::kComplete) return nullptr;
  if (!tiff::decode_geokeys(p->header, p->header.ifds.front(), p->keys).ok()) return nullptr;
  return p;
}

std::vector<std::unique_ptr<Parsed>> g_files;  // kept alive for the registered benchmarks

void derive(benchmark::State& state, const Parsed* p) {
  auto& deriver = geo::thread_geo_deriver();
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto& facts = deriver.derive(p->header, p->header.ifds.front(), p->keys);
    bytes += facts.footprint ? facts.footprint->wkb.size() : 0;
    benchmark::DoNotOptimize(facts);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["wkb_bytes"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}

void footprint(benchmark::State& state, const Parsed* p) {
  const auto& facts = geo::thread_geo_deriver().derive(p->header, p->header.ifds.front(), p->keys);
  if (facts.crs == nullptr || !facts.geotransform) {
    state.SkipWithError("no CRS or geotransform");
    return;
  }
  const auto width = *tiff::find_uint(p->header, p->header.ifds.front(), 256);
  const auto height = *tiff::find_uint(p->header, p->header.ifds.front(), 257);
  geo::FootprintBuilder builder;
  geo::Footprint out;
  for (auto _ : state) benchmark::DoNotOptimize(builder.build(*facts.crs, *facts.geotransform, width, height, out));
  state.SetItemsProcessed(state.iterations());
}

void cache_hit(benchmark::State& state, const Parsed* p) {
  auto& resolver = geo::thread_crs_resolver();
  for (auto _ : state) benchmark::DoNotOptimize(resolver.resolve(p->keys));
  state.SetItemsProcessed(state.iterations());
}

void first_sight(benchmark::State& state, const Parsed* p) {
  geo::CrsResolver resolver;
  for (auto _ : state) {
    resolver.clear();
    benchmark::DoNotOptimize(resolver.resolve(p->keys));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_geo DATA_DIR [benchmark flags]\n");
    return 2;
  }
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) {
    if (e.path().extension() == ".tif") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto p = load(path);
    if (!p) {
      std::fprintf(stderr, "cannot parse %s\n", path.c_str());
      return 1;
    }
    const std::string name = path.stem().string();
    benchmark::RegisterBenchmark(("Derive/" + name).c_str(), derive, p.get());
    benchmark::RegisterBenchmark(("Footprint/" + name).c_str(), footprint, p.get());
    benchmark::RegisterBenchmark(("CrsCacheHit/" + name).c_str(), cache_hit, p.get());
    benchmark::RegisterBenchmark(("CrsFirstSight/" + name).c_str(), first_sight, p.get())->Iterations(20);
    g_files.push_back(std::move(p));
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
