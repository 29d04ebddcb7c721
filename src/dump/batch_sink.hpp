#pragma once
// Row batches between the I/O threads that append rows and the writer thread: one per output
// kind (data, errors). A batch goes to the writer at `rows_per_file` rows or once it holds
// `max_bytes` (its column buffers plus the keys of its sidecar), whichever comes first.
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "dump/bounded_queue.hpp"
#include "output/output_dir.hpp"
#include "parquet/column_batch.hpp"
#include "schema/row_encoder.hpp"

namespace tdump::dump {

// A full batch on its way to the writer thread, with the keys its rows hold (for the sidecar).
struct WriteJob {
  output::FileKind kind = output::FileKind::kData;
  std::unique_ptr<parquet::ColumnBatch> batch;
  std::vector<std::string> keys;
};

// Rows appended from I/O threads (thread-safe).
class BatchSink {
 public:
  BatchSink(output::FileKind kind, parquet::SchemaPtr schema, std::size_t rows_per_file, std::size_t max_bytes,
            BoundedQueue<WriteJob>& writes)
      : kind_(kind), schema_(std::move(schema)), rows_per_file_(rows_per_file), max_bytes_(max_bytes), writes_(writes) {
    batch_ = std::make_unique<parquet::ColumnBatch>(schema_);
  }

  // `encode(encoder, batch)` appends one row; it runs under the sink's lock. All or nothing: when
  // it fails (or throws), the batch is rolled back to the rows it had before, so one row that
  // cannot be written never takes the others with it.
  template <typename Encode>
  Status append(std::string_view key, Encode&& encode) {
    std::unique_lock lock(mutex_);
    const std::size_t rows_before = batch_->num_rows();
    Status status;
    try {
      status = encode(encoder_, *batch_);
      if (status) keys_.emplace_back(key);
    } catch (const std::exception& e) {  // bad_alloc, length_error: this row only
      status = make_error(ErrorCode::kInternal, std::string("cannot encode the row: ") + e.what());
    }
    if (!status) {
      batch_->rollback(rows_before);
      if (keys_.size() > rows_before) keys_.resize(rows_before);
      return status;
    }
    keys_bytes_ += key.size() + sizeof(std::string);
    if (batch_->num_rows() >= rows_per_file_ || batch_->buffered_bytes() + keys_bytes_ >= max_bytes_) hand_off(lock);
    return {};
  }

  void flush() {
    std::unique_lock lock(mutex_);
    if (batch_->num_rows() > 0) hand_off(lock);
  }

  // The writer gives batches back so their buffers are reused for the next file.
  void recycle(std::unique_ptr<parquet::ColumnBatch> batch) {
    batch->clear();
    std::lock_guard lock(spare_mutex_);
    spares_.push_back(std::move(batch));
  }

 private:
  void hand_off(std::unique_lock<std::mutex>& /*held*/) {
    WriteJob job{kind_, std::move(batch_), std::move(keys_)};
    keys_ = {};
    keys_bytes_ = 0;
    {
      std::lock_guard lock(spare_mutex_);
      if (!spares_.empty()) {
        batch_ = std::move(spares_.back());
        spares_.pop_back();
      }
    }
    if (!batch_) batch_ = std::make_unique<parquet::ColumnBatch>(schema_);
    // Blocks while the writer is two files behind: the disk sets the pace then.
    writes_.push(std::move(job));
  }

  output::FileKind kind_;
  parquet::SchemaPtr schema_;
  std::size_t rows_per_file_;
  std::size_t max_bytes_;
  BoundedQueue<WriteJob>& writes_;
  std::mutex mutex_;
  std::unique_ptr<parquet::ColumnBatch> batch_;  // guarded by mutex_
  std::vector<std::string> keys_;                // guarded by mutex_: the sidecar of batch_
  std::size_t keys_bytes_ = 0;                   // guarded by mutex_: what keys_ holds
  schema::RowEncoder encoder_;                   // guarded by mutex_
  std::mutex spare_mutex_;
  std::vector<std::unique_ptr<parquet::ColumnBatch>> spares_;  // guarded by spare_mutex_
};

}  // namespace tdump::dump
