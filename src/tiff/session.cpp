#include "tiff/session.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tiff/checks.hpp"
#include "tiff/tags.hpp"

namespace tdump::tiff {

void HeaderSession::begin(std::optional<std::uint64_t> file_size) {
  state_ = SessionState::kNeedBytes;
  file_size_ = file_size;
  buffers_.clear();
  asked_.clear();
  sizes_.clear();
  round_.clear();
  round_base_ = 0;
  rounds_ = 0;
  requests_ = 0;
  bytes_read_ = 0;
  header_.clear();
  geokeys_.clear();
  cog_facts_.clear();
  cog_.clear();
  std::uint64_t first = limits_.prefetch;
  if (file_size_) first = std::min(first, *file_size_);
  if (first == 0) {
    complete_round();  // an empty object: the parser says what is wrong with it
    return;
  }
  const ByteRange prefetch{0, first};
  start_round(std::span<const ByteRange>(&prefetch, 1));
}

void HeaderSession::start_round(std::span<const ByteRange> ranges) {
  round_base_ = buffers_.size();
  const std::size_t n = ranges.size();
  buffers_.resize(round_base_ + n);
  asked_.resize(round_base_ + n);
  sizes_.resize(round_base_ + n);
  round_.assign(ranges.begin(), ranges.end());
  for (std::size_t i = 0; i < n; ++i) {
    buffers_[round_base_ + i].clear();
    asked_[round_base_ + i] = ranges[i];
    sizes_[round_base_ + i].reset();
  }
  requests_ += static_cast<std::uint32_t>(n);
  state_ = SessionState::kNeedBytes;
}

void HeaderSession::fail(TiffErrorKind kind, std::string message) {
  header_.error = TiffError{kind, std::move(message)};
  state_ = SessionState::kFailed;
}

void HeaderSession::complete_round() {
  ++rounds_;
  for (std::size_t i = round_base_; i < buffers_.size(); ++i) {
    // The size the server reports now wins over the listing's: an object that changed since it
    // was listed (say, cut shorter) must end the parse at its real end.
    if (sizes_[i]) file_size_ = sizes_[i];
    bytes_read_ += buffers_[i].size();
  }
  chunks_.clear();
  for (std::size_t i = 0; i < buffers_.size(); ++i) {
    const std::string& b = buffers_[i];
    // A short read without a known size means the object ends there.
    if (!file_size_ && b.size() < asked_[i].length) file_size_ = asked_[i].offset + b.size();
    chunks_.push_back(
        ByteChunk{asked_[i].offset, std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size())});
  }
  round_.clear();
  switch (parser_.parse(FileBytes{chunks_, file_size_}, header_)) {
    case ParseStatus::kComplete:
      finish_header();
      return;
    case ParseStatus::kFailed:
      state_ = SessionState::kFailed;
      return;
    case ParseStatus::kNeedMore:
      break;
  }
  if (rounds_ >= limits_.max_rounds) {
    fail(TiffErrorKind::kOverBudget,
         fmt::format("the header needs more than {} rounds of range requests", limits_.max_rounds));
    return;
  }
  cog_needed_.clear();
  for (ByteRange range : header_.needed) {
    if (file_size_) {
      if (range.offset >= *file_size_) continue;  // the parser reports past-EOF itself
      range.length = std::min(range.length, *file_size_ - range.offset);
    }
    if (range.length > 0) cog_needed_.push_back(range);
  }
  if (cog_needed_.empty()) {
    fail(TiffErrorKind::kTruncated, "the header needs bytes past the end of the file");
    return;
  }
  start_round(cog_needed_);
}

void HeaderSession::finish_header() {
  // A malformed GeoKeyDirectory costs the GeoKeys, not the file: GDAL ignores them too.
  TiffError geo = decode_geokeys(header_, header_.ifds.front(), geokeys_);
  if (!geo.ok()) {
    geokeys_.clear();
    TiffWarning w;
    w.kind = WarningKind::kBadGeoKeyDirectory;
    w.ifd = 0;
    w.tag = tag::kGeoKeyDirectory;
    if (const Entry* dir = header_.find(header_.ifds.front(), tag::kGeoKeyDirectory)) w.offset = dir->value_offset;
    w.detail = std::move(geo.message);
    header_.warnings.push_back(std::move(w));
  }
  check_directories(header_);

  // The COG rules need the first block of each level and the ghost header: usually in the bytes
  // held; otherwise one more round for just those bytes, if the budget allows.
  cog_needed_.clear();
  probe_cog(header_, FileBytes{chunks_, file_size_}, cog_facts_, cog_needed_);
  if (!cog_facts_.complete && !cog_needed_.empty() && rounds_ < limits_.max_rounds) {
    coalesce_ranges(cog_needed_, limits_.parse.coalesce_gap);
    std::uint64_t total = header_.header_bytes;
    for (const ByteRange& r : cog_needed_) total += r.length;
    if (total <= limits_.parse.max_header_bytes) {
      start_round(cog_needed_);
      return;
    }
  }
  validate_cog(header_, cog_facts_, cog_);
  state_ = SessionState::kDone;
}

}  // namespace tdump::tiff
