#pragma once
// The `headers` run configuration: the original tool's YAML keys (BRIEF §2) plus our own, each
// with its default. src/cli loads it from the config file; src/dump runs it.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tdump::dump {

enum class OutputCompression : std::uint8_t { kNone, kSnappy, kZstd };

struct RunConfig {
  // store: (the original's keys)
  std::string store_name;                            // store URL
  std::vector<std::string> prefixes;                 // empty: the whole store
  std::map<std::string, std::string> store_options;  // store.obstore_config or store.options

  // concurrency: (the original's keys and defaults)
  std::uint64_t n_consumers = 1000;
  std::uint64_t list_chunk_size = 10'000;
  std::uint64_t max_buffer_size = 1'000'000;
  std::uint64_t write_chunk_size = 100'000;

  // filter: which listed keys are TIFFs
  std::vector<std::string> suffixes{".tif", ".tiff"};  // case-insensitive; empty: every key
  std::vector<std::string> include;                    // globs on the key; empty: all
  std::vector<std::string> exclude;                    // globs on the key

  // fetch: the header reads
  std::uint64_t prefetch = std::uint64_t{16} * 1024;     // bytes of the first range request
  std::uint64_t max_header_bytes = 64ULL * 1024 * 1024;  // budget per header, all requests together
  std::uint32_t io_threads = 1;                          // HTTP event loops

  // retry: (obstore's defaults)
  std::uint32_t max_retries = 10;
  std::chrono::milliseconds init_backoff{100};
  std::chrono::milliseconds max_backoff{15'000};
  std::chrono::milliseconds retry_timeout{180'000};

  // output:
  OutputCompression compression = OutputCompression::kSnappy;
  int compression_level = 3;         // zstd only
  std::uint64_t row_group_size = 0;  // rows per row group; 0: one per file (write_chunk_size)
  // Store options for an OUT_DIR given as a store URL (obstore names). Empty: the input store's
  // options when OUT_DIR is the same kind of store, else none.
  std::map<std::string, std::string> output_store_options;
};

}  // namespace tdump::dump
