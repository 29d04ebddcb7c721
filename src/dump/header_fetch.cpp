#include "dump/header_fetch.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tdump::dump {

void HeaderFetch::start(store::ObjectStore& store, store::ObjectMeta meta, const FetchSettings& settings,
                        const tiff::HeaderParser& parser, Done done) {
  store_ = &store;
  settings_ = &settings;
  parser_ = &parser;
  done_ = std::move(done);
  meta_ = std::move(meta);
  file_size_ = meta_.size;
  buffers_.clear();
  offsets_.clear();
  requested_.clear();
  read_errors_.clear();
  attempts_.clear();
  object_sizes_.clear();
  rounds_ = 0;
  facts_ = FetchFacts{};
  facts_.object_size = meta_.size;
  error_.reset();
  failed_stage_ = Stage::kFetch;
  geokeys_.clear();
  geokey_error_ = {};

  std::uint64_t first = settings.prefetch;
  if (file_size_) first = std::min(first, *file_size_);
  if (first == 0) {
    // An empty object: nothing to fetch, the parser says what is wrong with it.
    process_round();
    return;
  }
  issue({tiff::ByteRange{0, first}});
}

void HeaderFetch::issue(const std::vector<tiff::ByteRange>& ranges) {
  // Size every per-read slot before the first read starts: callbacks fill their own slot
  // concurrently and the vectors must not move under them.
  const std::size_t base = buffers_.size();
  const std::size_t n = ranges.size();
  buffers_.resize(base + n);
  offsets_.resize(base + n);
  requested_.resize(base + n);
  read_errors_.resize(base + n);
  attempts_.resize(base + n);
  object_sizes_.resize(base + n);
  for (std::size_t i = 0; i < n; ++i) {
    attempts_[base + i] = 0;
    object_sizes_[base + i].reset();
    offsets_[base + i] = ranges[i].offset;
    requested_[base + i] = ranges[i].length;
    read_errors_[base + i].reset();
  }
  facts_.requests += static_cast<std::uint32_t>(n);
  pending_.store(n, std::memory_order_release);
  // Copies, not members: once the last read is issued, its callback may finish this fetch and
  // the object may be reused for another key before this loop ends.
  store::ObjectStore* store = store_;
  const std::string key = meta_.key;
  for (std::size_t i = 0; i < n; ++i) {
    store::ByteRange range{ranges[i].offset, ranges[i].length};
    store->read_range(key, range, [this, slot = base + i](Result<store::RangeRead> r) { on_read(slot, std::move(r)); });
  }
}

void HeaderFetch::on_read(std::size_t slot, Result<store::RangeRead> result) {
  // Each callback touches only its own slot; the last one of the round reads them all.
  if (result.ok()) {
    auto& read = result.value();
    attempts_[slot] = read.attempts;
    object_sizes_[slot] = read.object_size;
    buffers_[slot] = std::move(read.bytes);
  } else {
    read_errors_[slot] = std::move(result).error();
  }
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) process_round();
}

void HeaderFetch::process_round() {
  ++rounds_;
  facts_.attempts = 0;
  for (std::size_t i = 0; i < attempts_.size(); ++i) {
    facts_.attempts += attempts_[i];
    // The size the server reports now wins over the listing's: an object that changed since it
    // was listed (say, cut shorter) must end the parse at its real end, not make the parser ask
    // again and again for bytes the server no longer has.
    if (object_sizes_[i]) file_size_ = object_sizes_[i];
  }
  for (auto& read_error : read_errors_) {
    if (read_error) {
      fail(Stage::kFetch, std::move(*read_error));
      return;
    }
  }
  chunks_.clear();
  facts_.header_bytes = 0;
  for (std::size_t i = 0; i < buffers_.size(); ++i) {
    const auto& b = buffers_[i];
    facts_.header_bytes += b.size();
    // A short read without a known size means the object ends there.
    if (!file_size_ && b.size() < requested_[i]) file_size_ = offsets_[i] + b.size();
    chunks_.push_back(
        tiff::ByteChunk{offsets_[i], std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size())});
  }
  if (file_size_) facts_.object_size = file_size_;
  tiff::FileBytes bytes{chunks_, file_size_};
  switch (parser_->parse(bytes, header_)) {
    case tiff::ParseStatus::kComplete:
      // A malformed GeoKeyDirectory makes the file broken too: one error row, not a row with
      // silently missing geokeys.
      geokey_error_ =
          header_.ifds.empty() ? tiff::TiffError{} : tiff::decode_geokeys(header_, header_.ifds.front(), geokeys_);
      if (!geokey_error_.ok()) {
        fail(Stage::kParse, geokey_error_.to_error());
        return;
      }
      finish();
      return;
    case tiff::ParseStatus::kFailed:
      fail(Stage::kParse, header_.error.to_error());
      return;
    case tiff::ParseStatus::kNeedMore:
      break;
  }
  if (rounds_ >= settings_->max_rounds) {
    fail(Stage::kParse, make_error(ErrorCode::kLimit, fmt::format("the header needs more than {} rounds of range "
                                                                  "requests (fetch.max_header_bytes and the parser's "
                                                                  "limits bound it)",
                                                                  settings_->max_rounds)));
    return;
  }
  std::vector<tiff::ByteRange> ranges;
  ranges.reserve(header_.needed.size());
  for (auto range : header_.needed) {
    if (file_size_) {
      if (range.offset >= *file_size_) continue;  // the parser reports past-EOF itself
      range.length = std::min(range.length, *file_size_ - range.offset);
    }
    if (range.length > 0) ranges.push_back(range);
  }
  if (ranges.empty()) {
    fail(Stage::kParse, make_error(ErrorCode::kParse, "the parser asked for bytes past the end of the file"));
    return;
  }
  issue(ranges);
}

std::string_view HeaderFetch::error_kind() const {
  if (failed_stage_ == Stage::kParse && !geokey_error_.ok()) return tiff::to_string(geokey_error_.kind);
  if (failed_stage_ == Stage::kParse && !header_.error.ok()) return tiff::to_string(header_.error.kind);
  return to_string(error_->code);
}

void HeaderFetch::finish() {
  // Moving the callback out first: it may restart this object for the next key.
  Done done = std::move(done_);
  done(*this);
}

void HeaderFetch::fail(Stage stage, Error error) {
  failed_stage_ = stage;
  if (error.attempts == 0) error.attempts = std::max<std::uint32_t>(facts_.attempts, 1);
  error_ = std::move(error);
  finish();
}

}  // namespace tdump::dump
