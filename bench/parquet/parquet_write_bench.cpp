// Writer throughput on the product's own inventory schema and row encoder (src/schema): rows/s
// and bytes/row with each output compression (SNAPPY, ZSTD level 3, none), side by side.
//
// The rows are real: bench_parquet DATA_DIR reads every *.tif under DATA_DIR once through the
// header session `inspect` uses (src/tiff/fetcher), then appends kRows rows cycling over those
// headers. Each row has its own listing facts (key, size, Last-Modified, ETag), as a bucket's
// rows do; the header part repeats, as the tiles of one product do.
//   append_rows: what the pipeline's I/O thread does per header (src/dump/pipeline.cpp,
//     Run::on_header): derive the geo columns, then RowEncoder::append_data.
//   encode_and_write: what its writer thread does per file (Run::write_job): encode, compress
//     and write a full batch, with the GeoParquet `geo` key computed from the batch.
//   end_to_end: both on one thread.
// Files hold RunConfig's default write_chunk_size rows (one row group each, as the pipeline
// writes them); kRows rows are written per iteration.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "dump/run_config.hpp"
#include "geo/derive.hpp"
#include "geo/geoparquet.hpp"
#include "parquet/writer.hpp"
#include "schema/inventory_schema.hpp"
#include "schema/row_encoder.hpp"
#include "tiff/fetcher.hpp"

namespace tdump::bench {
namespace {

std::uint64_t env_count(const char* name, std::uint64_t fallback) {
  const char* env = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before any thread starts
  return env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
}

// Rows per iteration (1,000,000; TDUMP_BENCH_ROWS overrides, e.g. for a quick run) and rows per
// file (the product's default; TDUMP_BENCH_ROWS_PER_FILE overrides).
const std::uint64_t kRows = env_count("TDUMP_BENCH_ROWS", 1'000'000);
const std::uint64_t kRowsPerFile = std::max<std::uint64_t>(
    1, std::min(kRows, env_count("TDUMP_BENCH_ROWS_PER_FILE", dump::RunConfig{}.write_chunk_size)));

// One parsed fixture: the header points into its fetcher's buffers, so each keeps its own.
struct Fixture {
  std::string name;
  std::string bytes;
  tiff::HeaderFetcher fetcher;
  schema::FetchFacts facts;
};

std::vector<std::unique_ptr<Fixture>>& fixtures() {
  static std::vector<std::unique_ptr<Fixture>> all;
  return all;
}

// Reads and parses every *.tif of `dir` (sorted by name); false when none parses.
bool load_fixtures(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".tif") paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto f = std::make_unique<Fixture>();
    f->name = path.filename().string();
    f->bytes.resize(static_cast<std::size_t>(std::filesystem::file_size(path)));
    std::ifstream in(path, std::ios::binary);
    if (!in.read(f->bytes.data(), static_cast<std::streamsize>(f->bytes.size()))) return false;
    const std::string& bytes = f->bytes;
    const tiff::RangeReader read = [&bytes](std::uint64_t offset,
                                            std::span<std::uint8_t> out) -> Result<std::uint64_t> {
      if (offset >= bytes.size()) return std::uint64_t{0};
      const std::size_t n = std::min<std::size_t>(out.size(), bytes.size() - static_cast<std::size_t>(offset));
      std::memcpy(out.data(), bytes.data() + offset, n);
      return std::uint64_t{n};
    };
    if (auto status = f->fetcher.fetch(read, bytes.size()); !status) {
      std::cerr << "bench_parquet: " << path << ": " << status.error().message << "\n";
      return false;
    }
    const auto stats = f->fetcher.stats();
    f->facts = schema::FetchFacts{stats.bytes, stats.reads, stats.reads, bytes.size()};
    fixtures().push_back(std::move(f));
  }
  return !fixtures().empty();
}

// Listing facts of row i: a key, size, Last-Modified and ETag of its own.
class Listing {
 public:
  const store::ObjectMeta& meta(std::uint64_t i, const Fixture& f) {
    meta_.key.clear();
    fmt::format_to(std::back_inserter(meta_.key), "products/tile-{:07d}/{}", i, f.name);
    meta_.size = f.bytes.size();
    meta_.last_modified_us = 1'700'000'000'000'000 + static_cast<std::int64_t>(i) * 1'000'003;
    meta_.etag.clear();
    fmt::format_to(std::back_inserter(meta_.etag), "{:016x}{:016x}", i * 0x9E3779B97F4A7C15ULL, ~i);
    url_.assign("s3://bench-bucket/").append(meta_.key);
    return meta_;
  }
  [[nodiscard]] const std::string& url() const noexcept { return url_; }

 private:
  store::ObjectMeta meta_;
  std::string url_;
};

// Appends rows [first, first + count) as the pipeline's I/O thread does.
bool append_range(schema::RowEncoder& encoder, Listing& listing, parquet::ColumnBatch& batch, std::uint64_t first,
                  std::uint64_t count) {
  const auto& all = fixtures();
  for (std::uint64_t i = first; i < first + count; ++i) {
    const Fixture& f = *all[i % all.size()];
    const auto& session = f.fetcher.session();
    const auto& meta = listing.meta(i, f);
    const geo::GeoFacts& geo =
        geo::thread_geo_deriver().derive(session.header(), session.header().ifds.front(), session.geokeys());
    if (!encoder.append_data(batch, meta, listing.url(), session.header(), session.geokeys(), session.cog(), f.facts,
                             &geo))
      return false;
  }
  return true;
}

parquet::WriterOptions options_for(parquet::Compression compression) {
  const dump::RunConfig defaults;
  parquet::WriterOptions o;
  o.compression = compression;
  o.zstd_level = defaults.compression_level;
  o.max_row_group_rows = kRowsPerFile;
  o.fsync = false;  // measure the writer, not the disk
  o.key_value_metadata = {{"tiff_dumper.schema_version", std::to_string(schema::kSchemaVersion)},
                          {"tiff_dumper.run", "bench"},
                          {"tiff_dumper.store", "s3://bench-bucket/"}};
  return o;
}

std::filesystem::path output_path() {
  const char* dir = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): no thread sets it
  return std::filesystem::path(dir ? dir : "/tmp") / ("tdump-bench-" + std::to_string(::getpid()) + ".parquet");
}

// Writes one file of `batch`, as Run::write_job does; adds its size to `bytes`.
bool write_file(parquet::ParquetWriter& writer, const parquet::ColumnBatch& batch, geo::GeoSummary& summary,
                const std::filesystem::path& path, std::int64_t& bytes) {
  if (!writer.open(path) || !writer.write(batch)) return false;
  const parquet::KeyValueList file_metadata{{"geo", schema::geoparquet_metadata(batch, summary)}};
  if (!writer.close(file_metadata)) return false;
  bytes += writer.last_file_bytes();
  return true;
}

void report(benchmark::State& state, std::int64_t bytes_per_iteration) {
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate);
  if (bytes_per_iteration > 0)
    state.counters["bytes/row"] = static_cast<double>(bytes_per_iteration) / static_cast<double>(kRows);
}

void append_rows(benchmark::State& state) {
  schema::RowEncoder encoder;
  Listing listing;
  parquet::ColumnBatch batch(schema::data_columns().schema);
  auto fill_all = [&] {
    for (std::uint64_t first = 0; first < kRows; first += kRowsPerFile) {
      batch.clear();
      if (!append_range(encoder, listing, batch, first, std::min(kRowsPerFile, kRows - first))) return false;
    }
    return true;
  };
  if (!fill_all()) state.SkipWithError("append_data failed");  // warm up: buffers at steady capacity
  for (auto _ : state)  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    if (!fill_all()) {
      state.SkipWithError("append_data failed");
      break;
    }
  report(state, 0);
}

void encode_and_write(benchmark::State& state, parquet::Compression compression) {
  schema::RowEncoder encoder;
  Listing listing;
  parquet::ColumnBatch batch(schema::data_columns().schema);
  if (!append_range(encoder, listing, batch, 0, kRowsPerFile)) state.SkipWithError("append_data failed");
  auto writer = parquet::ParquetWriter::make(schema::data_columns().schema, options_for(compression)).value();
  geo::GeoSummary summary;
  const auto path = output_path();
  std::int64_t bytes = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    bytes = 0;
    for (std::uint64_t first = 0; first < kRows; first += kRowsPerFile)
      if (!write_file(*writer, batch, summary, path, bytes)) {
        state.SkipWithError("write failed");
        break;
      }
  }
  report(state, bytes);
  std::filesystem::remove(path);
}

void end_to_end(benchmark::State& state, parquet::Compression compression) {
  schema::RowEncoder encoder;
  Listing listing;
  parquet::ColumnBatch batch(schema::data_columns().schema);
  auto writer = parquet::ParquetWriter::make(schema::data_columns().schema, options_for(compression)).value();
  geo::GeoSummary summary;
  const auto path = output_path();
  std::int64_t bytes = 0;
  auto run_all = [&] {
    bytes = 0;
    for (std::uint64_t first = 0; first < kRows; first += kRowsPerFile) {
      batch.clear();
      if (!append_range(encoder, listing, batch, first, std::min(kRowsPerFile, kRows - first)) ||
          !write_file(*writer, batch, summary, path, bytes))
        return false;
    }
    return true;
  };
  if (!run_all()) state.SkipWithError("append or write failed");  // warm up
  for (auto _ : state)  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    if (!run_all()) {
      state.SkipWithError("append or write failed");
      break;
    }
  report(state, bytes);
  std::filesystem::remove(path);
}

// By stage, and for the writer by `output.compression` value (side by side in one run).
BENCHMARK(append_rows)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(encode_and_write, snappy, parquet::Compression::kSnappy)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(encode_and_write, zstd, parquet::Compression::kZstd)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(encode_and_write, none, parquet::Compression::kUncompressed)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(end_to_end, snappy, parquet::Compression::kSnappy)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(end_to_end, zstd, parquet::Compression::kZstd)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(end_to_end, none, parquet::Compression::kUncompressed)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace tdump::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 2) {
    std::cerr << "usage: bench_parquet DATA_DIR [benchmark flags] (DATA_DIR: GeoTIFFs, see bench/parquet/run.sh)\n";
    return 2;
  }
  if (!tdump::bench::load_fixtures(argv[1])) {
    std::cerr << "bench_parquet: no readable *.tif under " << argv[1] << "\n";
    return 1;
  }
  const auto& schema = *tdump::schema::data_columns().schema;
  benchmark::AddCustomContext("schema", "version " + std::to_string(tdump::schema::kSchemaVersion) + ", " +
                                            std::to_string(schema.nodes().front().num_children) + " columns, " +
                                            std::to_string(schema.num_leaves()) + " leaf columns");
  benchmark::AddCustomContext(
      "rows", std::to_string(tdump::bench::kRows) + ", " + std::to_string(tdump::bench::kRowsPerFile) + " per file");
  for (const auto& f : tdump::bench::fixtures())
    benchmark::AddCustomContext("fixture " + f->name,
                                std::to_string(f->fetcher.session().header().ifds.size()) + " IFDs");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
