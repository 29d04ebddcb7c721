// Writer throughput on the inventory schema (BRIEF §3 shape): rows/s and bytes/row for
// 1,000,000 rows per file, with SNAPPY and with ZSTD, on one core.
//   BM_AppendRows: the row builder alone (the pipeline's hot path).
//   BM_EncodeAndWrite: encode, compress and write a prebuilt batch (the writer thread).
//   BM_EndToEnd: both, as the pipeline does them (one thread here).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "inventory_schema.hpp"
#include "parquet/writer.hpp"

namespace tdump::parquet::bench {
namespace {

// 1,000,000 rows per file; TDUMP_BENCH_ROWS overrides (e.g. for a quick run under a profiler).
const std::uint64_t kRows = [] {
  const char* env = std::getenv("TDUMP_BENCH_ROWS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 1'000'000ULL;
}();

std::filesystem::path output_path() {
  const char* dir = std::getenv("TMPDIR");
  return std::filesystem::path(dir ? dir : "/tmp") / ("tdump-bench-" + std::to_string(::getpid()) + ".parquet");
}

WriterOptions options_for(int codec) {
  WriterOptions o;
  o.compression = codec == 0 ? Compression::kSnappy : Compression::kZstd;
  o.fsync = false;  // measure the writer, not the disk
  return o;
}

void fill(InventoryRows& rows, ColumnBatch& batch) {
  batch.clear();
  for (std::uint64_t i = 0; i < kRows; ++i) rows.append(batch, i);
}

void report(benchmark::State& state, std::int64_t file_bytes) {
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate);
  if (file_bytes > 0) state.counters["bytes/row"] = static_cast<double>(file_bytes) / static_cast<double>(kRows);
}

void BM_AppendRows(benchmark::State& state) {
  InventoryRows rows;
  ColumnBatch batch(rows.schema());
  fill(rows, batch);  // warm up: the buffers reach their steady-state capacity
  for (auto _ : state) fill(rows, batch);
  report(state, 0);
}

void BM_EncodeAndWrite(benchmark::State& state) {
  InventoryRows rows;
  ColumnBatch batch(rows.schema());
  fill(rows, batch);
  auto writer = ParquetWriter::make(rows.schema(), options_for(static_cast<int>(state.range(0)))).value();
  const auto path = output_path();
  for (auto _ : state) {
    if (!writer->open(path).ok() || !writer->write(batch).ok() || !writer->close().ok()) {
      state.SkipWithError("write failed");
      break;
    }
  }
  report(state, writer->last_file_bytes());
  std::filesystem::remove(path);
}

void BM_EndToEnd(benchmark::State& state) {
  InventoryRows rows;
  ColumnBatch batch(rows.schema());
  auto writer = ParquetWriter::make(rows.schema(), options_for(static_cast<int>(state.range(0)))).value();
  const auto path = output_path();
  fill(rows, batch);  // warm up
  for (auto _ : state) {
    fill(rows, batch);
    if (!writer->open(path).ok() || !writer->write(batch).ok() || !writer->close().ok()) {
      state.SkipWithError("write failed");
      break;
    }
  }
  report(state, writer->last_file_bytes());
  std::filesystem::remove(path);
}

BENCHMARK(BM_AppendRows)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_EncodeAndWrite)->ArgName("zstd")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_EndToEnd)->ArgName("zstd")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace tdump::parquet::bench

BENCHMARK_MAIN();
