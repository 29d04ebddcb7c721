#pragma once
// The protocol driven to completion over a synchronous range reader: prefetch, then exactly the
// ranges the parser asks for. `tiff-dumper inspect` reads local files with it; any store that
// can serve a byte range plugs in through RangeReader. (The pipeline drives HeaderParser itself
// from its event loop, with the same steps.)
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "common/result.hpp"
#include "tiff/header.hpp"
#include "tiff/parser.hpp"

namespace tdump::tiff {

// Reads file bytes [offset, offset + buffer.size()) into `buffer` and returns how many bytes it
// read: fewer only when the file ends. I/O failures are errors.
using RangeReader = std::function<Result<std::uint64_t>(std::uint64_t offset, std::span<std::uint8_t> buffer)>;

struct FetchOptions {
  std::uint64_t prefetch = std::uint64_t{16} * 1024;  // bytes of the first read
  std::uint32_t max_reads = 1024;                     // reads per header, all rounds together
};

struct FetchStats {
  std::uint32_t reads = 0;   // range reads issued
  std::uint32_t rounds = 0;  // parse calls (1 for a header that fits in the prefetch)
  std::uint64_t bytes = 0;   // bytes read
};

// Owns the buffers of the bytes read, reused from one file to the next.
class HeaderFetcher {
 public:
  explicit HeaderFetcher(ParseLimits limits = {}, FetchOptions options = {}) : parser_(limits), options_(options) {}

  // Reads and parses one header. `out` points into this fetcher's buffers: it is valid until the
  // next fetch(). Errors: the reader's own, or a TiffError as Error (out.error has its kind).
  Status fetch(const RangeReader& read, std::optional<std::uint64_t> file_size, TiffHeader& out, FetchStats& stats);

 private:
  Status read_range(const RangeReader& read, ByteRange range, std::optional<std::uint64_t>& file_size,
                    FetchStats& stats);

  HeaderParser parser_;
  FetchOptions options_;
  std::vector<std::vector<std::uint8_t>> buffers_;  // buffers_[i] backs chunks_[i]
  std::vector<ByteChunk> chunks_;
  std::vector<ByteRange> needed_;
};

}  // namespace tdump::tiff
