#pragma once
// The `headers` run configuration: the original tool's YAML keys (README "Configuration") plus our own, each
// with its default. src/cli loads it from the config file; src/dump runs it.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tdump::dump {

// Upper bounds of the counts and sizes a config may ask for, checked before anything is
// allocated (src/cli/config.cpp names them in its messages; README "Configuration").
struct ConfigLimits {
  static constexpr std::uint64_t kMaxConsumers = 65'536;
  static constexpr std::uint64_t kMaxListChunk = 1'000'000;
  static constexpr std::uint64_t kMaxBufferSize = 100'000'000;
  static constexpr std::uint64_t kMaxWriteChunk = 100'000'000;
  static constexpr std::uint64_t kMaxPrefixes = 1'000'000;
  static constexpr std::uint32_t kMaxListParallelism = 1024;
  static constexpr std::uint32_t kMaxIoThreads = 256;
  static constexpr std::uint64_t kMinPrefetch = 16;
  static constexpr std::uint64_t kMaxPrefetch = 64ULL << 20;
  static constexpr std::uint64_t kMaxHeaderBytes = 1ULL << 32;
  static constexpr std::uint64_t kMinBufferBytes = 1ULL << 20;
  static constexpr std::uint64_t kMaxBufferBytes = 1ULL << 40;
  static constexpr std::uint64_t kMinBatchBytes = 1ULL << 20;
  static constexpr std::uint64_t kMaxBatchBytes = 64ULL << 30;
};

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
  // Ours: the key buffer's budget in bytes (keys, ETags and their bookkeeping), besides its count
  // max_buffer_size; listing pauses when either is reached.
  std::uint64_t max_buffer_bytes = 256ULL << 20;
  // Ours: listings running at once (a bounded pool of lister threads takes the prefixes one by
  // one; issue 10 will also use it for parallel listing inside one prefix).
  std::uint32_t list_parallelism = 32;

  // filter: which listed keys are TIFFs
  std::vector<std::string> suffixes{".tif", ".tiff"};  // case-insensitive; empty: every key
  std::vector<std::string> include;                    // globs on the key; empty: all
  std::vector<std::string> exclude;                    // globs on the key

  // fetch: the header reads
  std::uint64_t prefetch = std::uint64_t{16} * 1024;     // bytes of the first range request
  std::uint64_t max_header_bytes = 64ULL * 1024 * 1024;  // budget per header, all requests together
  std::uint32_t io_threads = 1;                          // HTTP event loops
  bool own_http1 = true;  // plain-http GETs through the engine's own HTTP/1.1 path (http/plain_http.hpp)

  // retry: (obstore's defaults)
  std::uint32_t max_retries = 10;
  std::chrono::milliseconds init_backoff{100};
  std::chrono::milliseconds max_backoff{15'000};
  std::chrono::milliseconds retry_timeout{180'000};

  // output:
  OutputCompression compression = OutputCompression::kSnappy;
  int compression_level = 3;         // zstd only
  std::uint64_t row_group_size = 0;  // rows per row group; 0: one per file (write_chunk_size)
  // A batch of rows goes to the writer at write_chunk_size rows or at this many bytes buffered,
  // whichever comes first (a file may then hold fewer rows than write_chunk_size).
  std::uint64_t max_batch_bytes = 256ULL << 20;
  // Store options for an OUT_DIR given as a store URL (obstore names). Empty: the input store's
  // options when OUT_DIR is the same kind of store, else none.
  std::map<std::string, std::string> output_store_options;
};

}  // namespace tdump::dump
