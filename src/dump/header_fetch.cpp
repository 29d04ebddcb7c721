#include "dump/header_fetch.hpp"

#include <algorithm>

namespace tdump::dump {

void HeaderFetch::start(store::ObjectStore& store, store::ObjectMeta meta, Done done) {
  store_ = &store;
  done_ = std::move(done);
  meta_ = std::move(meta);
  attempts_total_ = 0;
  facts_ = schema::FetchFacts{};
  facts_.object_size = meta_.size;
  error_.reset();
  failed_stage_ = schema::Stage::kFetch;
  session_.begin(meta_.size);
  if (session_.state() != tiff::SessionState::kNeedBytes) {
    // An empty object: nothing to fetch, the session already has its verdict.
    process_round();
    return;
  }
  issue();
}

void HeaderFetch::issue() {
  const auto ranges = session_.round();
  const std::size_t n = ranges.size();
  read_errors_.assign(n, std::nullopt);
  attempts_.assign(n, 0);
  pending_.store(n, std::memory_order_release);
  // Copies, not members: once the last read is issued, its callback may finish this fetch and
  // the object may be reused for another key before this loop ends.
  store::ObjectStore* store = store_;
  const std::string key = meta_.key;
  auto read = [&](std::size_t slot, const tiff::ByteRange& range) {
    store->read_range(key, store::ByteRange{range.offset, range.length},
                      [this, slot](Result<store::RangeRead> r) { on_read(slot, std::move(r)); });
  };
  if (n == 1) {
    // Most files: one range, copied to the stack.
    const tiff::ByteRange only = ranges[0];
    read(0, only);
    return;
  }
  const std::vector<tiff::ByteRange> copy(ranges.begin(), ranges.end());
  for (std::size_t i = 0; i < n; ++i) read(i, copy[i]);
}

void HeaderFetch::on_read(std::size_t slot, Result<store::RangeRead> result) {
  // Each callback touches only its own slot; the last one of the round reads them all.
  if (result.ok()) {
    auto& read = result.value();
    attempts_[slot] = read.attempts;
    session_.set_object_size(slot, read.object_size);
    session_.buffer(slot) = std::move(read.bytes);
  } else {
    read_errors_[slot] = std::move(result).error();
  }
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) process_round();
}

void HeaderFetch::process_round() {
  for (std::uint32_t a : attempts_) attempts_total_ += a;
  attempts_.clear();
  facts_.attempts = attempts_total_;
  for (auto& read_error : read_errors_) {
    if (read_error) {
      fail(schema::Stage::kFetch, std::move(*read_error));
      return;
    }
  }
  read_errors_.clear();
  if (session_.state() == tiff::SessionState::kNeedBytes) session_.complete_round();
  facts_.header_bytes = session_.bytes_read();
  facts_.requests = session_.requests();
  if (auto size = session_.file_size()) facts_.object_size = size;
  switch (session_.state()) {
    case tiff::SessionState::kNeedBytes:
      issue();
      return;
    case tiff::SessionState::kFailed:
      fail(schema::Stage::kParse, session_.error().to_error());
      return;
    case tiff::SessionState::kDone:
      finish();
      return;
  }
}

std::string_view HeaderFetch::error_kind() const {
  if (failed_stage_ == schema::Stage::kParse && !session_.error().ok()) return tiff::to_string(session_.error().kind);
  return to_string(error_->code);
}

void HeaderFetch::finish() {
  // Moving the callback out first: it may restart this object for the next key.
  Done done = std::move(done_);
  done(*this);
}

void HeaderFetch::fail(schema::Stage stage, Error error) {
  failed_stage_ = stage;
  if (error.attempts == 0) error.attempts = std::max<std::uint32_t>(facts_.attempts, 1);
  error_ = std::move(error);
  finish();
}

}  // namespace tdump::dump
