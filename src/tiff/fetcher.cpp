#include "tiff/fetcher.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tdump::tiff {

Status HeaderFetcher::read_range(const RangeReader& read, ByteRange range, std::optional<std::uint64_t>& file_size,
                                 FetchStats& stats) {
  const std::size_t slot = chunks_.size();
  if (buffers_.size() <= slot) buffers_.emplace_back();
  std::vector<std::uint8_t>& buffer = buffers_[slot];
  buffer.resize(static_cast<std::size_t>(range.length));
  auto got = read(range.offset, buffer);
  if (!got.ok()) return std::move(got).error();
  ++stats.reads;
  stats.bytes += *got;
  if (*got < range.length) {  // a short read: the file ends here
    buffer.resize(static_cast<std::size_t>(*got));
    file_size = range.offset + *got;
  }
  chunks_.push_back(ByteChunk{range.offset, buffer});
  return {};
}

Status HeaderFetcher::fetch(const RangeReader& read, std::optional<std::uint64_t> file_size, TiffHeader& out,
                            FetchStats& stats) {
  stats = {};
  chunks_.clear();
  std::uint64_t first = options_.prefetch;
  if (file_size) first = std::min(first, *file_size);
  if (first > 0) {
    if (auto status = read_range(read, ByteRange{0, first}, file_size, stats); !status.ok()) return status;
  }
  while (true) {
    ++stats.rounds;
    ParseStatus status = parser_.parse(FileBytes{chunks_, file_size}, out);
    if (status == ParseStatus::kComplete) return {};
    if (status == ParseStatus::kFailed) return out.error.to_error();
    // Copy the ranges out: `out` is rewritten by the next parse, and reads add chunks.
    needed_.assign(out.needed.begin(), out.needed.end());
    if (stats.reads + needed_.size() > options_.max_reads) {
      out.error =
          TiffError{TiffErrorKind::kOverBudget, fmt::format("the header needs more than {} reads", options_.max_reads)};
      return out.error.to_error();
    }
    for (const ByteRange& range : needed_) {
      if (auto read_status = read_range(read, range, file_size, stats); !read_status.ok()) return read_status;
    }
  }
}

}  // namespace tdump::tiff
