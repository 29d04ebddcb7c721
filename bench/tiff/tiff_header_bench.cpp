// Header parsing from memory: our engine against libtiff opening the same bytes
// (TIFFClientOpen over a buffer, reading the same tags, walking every IFD), on GDAL COGs.
// Usage: bench_tiff DATA_DIR [benchmark flags]; DATA_DIR holds the files bench/tiff/run.sh makes.
// Reports headers/s, heap allocations per header, and the speed ratio per file.
#include <benchmark/benchmark.h>
#include <tiffio.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tiff/checks.hpp"
#include "tiff/cog.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/image_info.hpp"
#include "tiff/parser.hpp"
#include "tiff/values.hpp"

// ---- heap allocations, counted for the whole process: C++ new goes through malloc, and libtiff
// calls malloc/calloc/realloc directly, so the C allocator is what we wrap (glibc) ----
namespace {
std::atomic<long> g_allocations{0};
}
extern "C" {
// glibc's own allocator, under its reserved names.
// NOLINTBEGIN(bugprone-reserved-identifier,readability-identifier-naming)
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
// NOLINTEND(bugprone-reserved-identifier,readability-identifier-naming)
void* malloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
}

namespace {

using namespace tdump::tiff;

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Touches the values so the work cannot be optimised away.
std::uint64_t g_sink = 0;

// ---- ours: parse, GeoKeys of IFD 0, the image summary of every IFD, the GDAL tags ----
void bench_ours(benchmark::State& state, const std::vector<std::uint8_t>* file) {
  ByteChunk chunk{0, *file};
  const FileBytes bytes{std::span<const ByteChunk>(&chunk, 1), file->size()};
  HeaderParser parser;
  TiffHeader header;
  GeoKeySet geokeys;
  // One parse before timing: the reused record grows to its working size once.
  if (parser.parse(bytes, header) != ParseStatus::kComplete || !decode_geokeys(header, header.ifds[0], geokeys).ok()) {
    state.SkipWithError("parse failed");
    return;
  }
  long allocations = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    const long before = g_allocations.load(std::memory_order_relaxed);
    if (parser.parse(bytes, header) != ParseStatus::kComplete) state.SkipWithError("parse failed");
    if (!decode_geokeys(header, header.ifds[0], geokeys).ok()) state.SkipWithError("geokeys failed");
    for (const Ifd& ifd : header.main_chain()) {
      const ImageInfo info = describe_image(header, ifd);
      g_sink += info.width + info.tile_width + info.bits_per_sample + info.compression;
    }
    g_sink += find_text(header, header.ifds[0], 42113).value_or("").size();
    g_sink += find_text(header, header.ifds[0], 42112).value_or("").size();
    g_sink += geokeys.keys.size();
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
  }
  state.counters["headers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["allocs/header"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["ifds"] = static_cast<double>(header.main_ifd_count);
}

// ---- ours plus the verdicts of a header session: libtiff's directory checks, the COG probe
// (over the same held bytes) and the COG rules ----
void bench_verdicts(benchmark::State& state, const std::vector<std::uint8_t>* file) {
  ByteChunk chunk{0, *file};
  const FileBytes bytes{std::span<const ByteChunk>(&chunk, 1), file->size()};
  HeaderParser parser;
  TiffHeader header;
  GeoKeySet geokeys;
  CogFacts facts;
  CogReport report;
  std::vector<ByteRange> needed;
  auto once = [&] {
    if (parser.parse(bytes, header) != ParseStatus::kComplete) return false;
    if (!decode_geokeys(header, header.ifds[0], geokeys).ok()) return false;
    check_directories(header);
    needed.clear();
    probe_cog(header, bytes, facts, needed);
    validate_cog(header, facts, report);
    return facts.complete;
  };
  if (!once()) {
    state.SkipWithError("parse failed");
    return;
  }
  long allocations = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    const long before = g_allocations.load(std::memory_order_relaxed);
    if (!once()) state.SkipWithError("parse failed");
    g_sink += header.warnings.size() + report.errors.size() + (report.is_cog.value_or(false) ? 1 : 0);
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
  }
  state.counters["headers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["allocs/header"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["ifds"] = static_cast<double>(header.main_ifd_count);
}

// ---- libtiff over the same bytes in memory ----
struct MemoryFile {
  const std::vector<std::uint8_t>* bytes;
  toff_t position = 0;
};
tmsize_t mem_read(thandle_t h, void* buffer, tmsize_t size) {
  auto* f = static_cast<MemoryFile*>(h);
  const toff_t available = f->position < f->bytes->size() ? f->bytes->size() - f->position : 0;
  const auto n = static_cast<tmsize_t>(std::min<toff_t>(available, static_cast<toff_t>(size)));
  std::memcpy(buffer, f->bytes->data() + f->position, static_cast<std::size_t>(n));
  f->position += static_cast<toff_t>(n);
  return n;
}
tmsize_t mem_write(thandle_t, void*, tmsize_t) {
  return 0;
}
toff_t mem_seek(thandle_t h, toff_t offset, int whence) {
  auto* f = static_cast<MemoryFile*>(h);
  if (whence == SEEK_SET) f->position = offset;
  if (whence == SEEK_CUR) f->position += offset;
  if (whence == SEEK_END) f->position = f->bytes->size() + offset;
  return f->position;
}
int mem_close(thandle_t) {
  return 0;
}
toff_t mem_size(thandle_t h) {
  return static_cast<MemoryFile*>(h)->bytes->size();
}
int mem_map(thandle_t h, void** base, toff_t* size) {
  auto* f = static_cast<MemoryFile*>(h);
  *base = const_cast<std::uint8_t*>(f->bytes->data());
  *size = f->bytes->size();
  return 1;
}
void mem_unmap(thandle_t, void*, toff_t) {}

// GeoTIFF and GDAL tags, registered as libgeotiff and GDAL register them.
const TIFFFieldInfo extra_fields[] = {
    {33550, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, const_cast<char*>("ModelPixelScale")},
    {33922, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, const_cast<char*>("ModelTiepoint")},
    {34264, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, const_cast<char*>("ModelTransformation")},
    {34735, -1, -1, TIFF_SHORT, FIELD_CUSTOM, 1, 1, const_cast<char*>("GeoKeyDirectory")},
    {34736, -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, const_cast<char*>("GeoDoubleParams")},
    {34737, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, const_cast<char*>("GeoASCIIParams")},
    {42112, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, const_cast<char*>("GDALMetadata")},
    {42113, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, const_cast<char*>("GDALNoDataValue")},
};
TIFFExtendProc g_parent_extender = nullptr;
void extend_tags(TIFF* tif) {
  TIFFMergeFieldInfo(tif, extra_fields, sizeof(extra_fields) / sizeof(extra_fields[0]));
  if (g_parent_extender != nullptr) g_parent_extender(tif);
}

void bench_libtiff(benchmark::State& state, const std::vector<std::uint8_t>* file) {
  long allocations = 0;
  int ifds = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    const long before = g_allocations.load(std::memory_order_relaxed);
    MemoryFile mem{file};
    // "rDO": deferred, on-demand strip/tile arrays, as GDAL opens files (libtiff's fastest).
    TIFF* tif =
        TIFFClientOpen("bench", "rDO", &mem, mem_read, mem_write, mem_seek, mem_close, mem_size, mem_map, mem_unmap);
    if (tif == nullptr) {
      state.SkipWithError("TIFFClientOpen failed");
      break;
    }
    ifds = 0;
    do {
      ++ifds;
      std::uint32_t width = 0, height = 0, tile_width = 0, tile_height = 0, subfile = 0;
      std::uint16_t bits = 0, compression = 0, photometric = 0, samples = 0, sample_format = 0, planar = 0;
      TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
      TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
      TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
      TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
      TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
      TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
      TIFFGetField(tif, TIFFTAG_PLANARCONFIG, &planar);
      TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
      TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_height);
      TIFFGetField(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
      TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile);
      g_sink += width + tile_width + bits + compression;
      if (ifds == 1) {
        std::uint16_t count16 = 0;
        std::uint16_t* keys = nullptr;
        double* doubles = nullptr;
        char* text = nullptr;
        if (TIFFGetField(tif, 34735, &count16, &keys) != 0) g_sink += count16;
        if (TIFFGetField(tif, 34736, &count16, &doubles) != 0) g_sink += count16;
        if (TIFFGetField(tif, 33550, &count16, &doubles) != 0) g_sink += count16;
        if (TIFFGetField(tif, 33922, &count16, &doubles) != 0) g_sink += count16;
        if (TIFFGetField(tif, 34737, &text) != 0) g_sink += text[0];
        if (TIFFGetField(tif, 42113, &text) != 0) g_sink += text[0];
        if (TIFFGetField(tif, 42112, &text) != 0) g_sink += text[0];
      }
    } while (TIFFReadDirectory(tif) != 0);
    TIFFClose(tif);
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
  }
  state.counters["headers/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["allocs/header"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["ifds"] = ifds;
}

// Prints the console table, then ours / libtiff per file.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_Tabular) {}  // plain text: the output goes into logs and the README
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      auto it = run.counters.find("headers/s");
      if (it != run.counters.end() && run.run_type == Run::RT_Iteration) rates_[run.benchmark_name()] = it->second;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-26s %16s %16s %8s\n", "file", "ours headers/s", "libtiff headers/s", "ratio");
    for (const auto& [name, rate] : rates_) {
      if (name.rfind("ours/", 0) != 0) continue;
      const std::string file = name.substr(5);
      auto peer = rates_.find("libtiff/" + file);
      if (peer == rates_.end() || peer->second == 0) continue;
      std::printf("%-26s %16.0f %16.0f %7.1fx\n", file.c_str(), static_cast<double>(rate),
                  static_cast<double>(peer->second), static_cast<double>(rate) / static_cast<double>(peer->second));
    }
  }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: %s DATA_DIR [benchmark flags]  (see bench/tiff/run.sh)\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  TIFFSetWarningHandler(nullptr);
  TIFFSetErrorHandler(nullptr);
  g_parent_extender = TIFFSetTagExtender(extend_tags);
  static std::map<std::string, std::vector<std::uint8_t>> files;
  for (const char* name : {"cog_single", "cog_5level_mask", "cog_bigtiff"}) {
    auto bytes = read_file(dir / (std::string(name) + ".tif"));
    if (bytes.empty()) {
      std::fprintf(stderr, "missing %s/%s.tif: run bench/tiff/run.sh\n", dir.c_str(), name);
      return 2;
    }
    files[name] = std::move(bytes);
  }
  for (auto& [name, bytes] : files) {
    benchmark::RegisterBenchmark(("ours/" + name).c_str(), bench_ours, &bytes);
    benchmark::RegisterBenchmark(("libtiff/" + name).c_str(), bench_libtiff, &bytes);
    benchmark::RegisterBenchmark(("verdicts/" + name).c_str(), bench_verdicts, &bytes);
  }
  argv[1] = argv[0];
  int bench_argc = argc - 1;
  benchmark::Initialize(&bench_argc, argv + 1);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return g_sink == 42 ? 1 : 0;
}
