#pragma once
// The bounded queue between the listers and the fetchers: producers block when it is full
// (that is the backpressure that pauses listing), consumers block when it is empty, and
// close() ends the stream once every producer is done.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace tdump::dump {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity)
      : capacity_(capacity == 0 ? 1 : capacity), low_water_(capacity_ - std::max<std::size_t>(1, capacity_ / 4)) {}

  // Blocks while full. False when the queue was closed (the item is dropped).
  bool push(T item) {
    std::unique_lock lock(mutex_);
    if (!closed_ && items_.size() >= capacity_) {
      ++waiting_producers_;
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      --waiting_producers_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty; nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    wake_producers();
    return item;
  }

  // Non-blocking pop.
  std::optional<T> try_pop() {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    wake_producers();
    return item;
  }

  // No more pushes; pops drain what is left, then return nullopt.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  // Drops everything queued and closes (cancellation).
  std::vector<T> close_and_drain() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    std::vector<T> rest(std::make_move_iterator(items_.begin()), std::make_move_iterator(items_.end()));
    items_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
    return rest;
  }

  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  // A full queue wakes its producers only once it has drained to the low-water mark, so a
  // blocked lister refills it in a burst instead of one futex wake-up per key taken.
  void wake_producers() {
    if (waiting_producers_ > 0 && items_.size() <= low_water_) not_full_.notify_all();
  }

  const std::size_t capacity_;
  const std::size_t low_water_;
  std::size_t waiting_producers_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace tdump::dump
