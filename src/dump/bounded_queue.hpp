#pragma once
// The bounded queue between the listers and the fetchers: producers block when it is full
// (that is the backpressure that pauses listing), consumers block when it is empty, and
// close() ends the stream once every producer is done.
//
// "Full" is a count of items and, when a cost function is given, a budget of bytes: a push
// waits while the queue holds `capacity` items or while adding the item would take the queued
// bytes past `byte_budget`. An item larger than the whole budget still goes in, alone, once the
// queue is empty, so one oversized item slows the stream but never stops it.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace tdump::dump {

template <typename T>
class BoundedQueue {
 public:
  using Cost = std::function<std::size_t(const T&)>;

  // `byte_budget` 0 or no `cost`: bounded by count only.
  explicit BoundedQueue(std::size_t capacity, std::size_t byte_budget = 0, Cost cost = {})
      : capacity_(capacity == 0 ? 1 : capacity),
        low_water_(capacity_ - std::max<std::size_t>(1, capacity_ / 4)),
        byte_budget_(cost ? byte_budget : 0),
        byte_low_water_(byte_budget_ - byte_budget_ / 4),
        cost_(std::move(cost)) {}

  // Blocks while full. False when the queue was closed (the item is dropped).
  bool push(T item) {
    const std::size_t cost = byte_budget_ != 0 ? cost_(item) : 0;
    std::unique_lock lock(mutex_);
    if (!closed_ && !has_room(cost)) {
      ++waiting_producers_;
      not_full_.wait(lock, [&] { return closed_ || has_room(cost); });
      --waiting_producers_;
    }
    if (closed_) return false;
    items_.push_back(Entry{std::move(item), cost});
    bytes_ += cost;
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty; nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    return take_front();
  }

  // Non-blocking pop.
  std::optional<T> try_pop() {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return std::nullopt;
    return take_front();
  }

  // Non-blocking pop of the front item, only when `accept(front)` says so.
  template <typename Pred>
  std::optional<T> try_pop_if(Pred&& accept) {
    std::lock_guard lock(mutex_);
    if (items_.empty() || !accept(static_cast<const T&>(items_.front().item))) return std::nullopt;
    return take_front();
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
    std::vector<T> rest;
    rest.reserve(items_.size());
    for (auto& entry : items_) rest.push_back(std::move(entry.item));
    items_.clear();
    bytes_ = 0;
    not_empty_.notify_all();
    not_full_.notify_all();
    return rest;
  }

  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  // Bytes queued, as the cost function counts them (0 without one).
  [[nodiscard]] std::size_t bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::size_t byte_budget() const { return byte_budget_; }

 private:
  struct Entry {
    T item;
    std::size_t cost;
  };

  [[nodiscard]] bool has_room(std::size_t cost) const {
    if (items_.size() >= capacity_) return false;
    if (byte_budget_ == 0 || items_.empty()) return true;
    return bytes_ + cost <= byte_budget_;
  }

  T take_front() {
    T item = std::move(items_.front().item);
    bytes_ -= items_.front().cost;
    items_.pop_front();
    wake_producers();
    return item;
  }

  // A full queue wakes its producers only once it has drained to the low-water mark (of items
  // and of bytes), so a blocked lister refills it in a burst instead of one futex wake-up per
  // key taken.
  void wake_producers() {
    if (waiting_producers_ == 0) return;
    if (items_.size() <= low_water_ && (byte_budget_ == 0 || bytes_ <= byte_low_water_ || items_.empty())) {
      not_full_.notify_all();
    }
  }

  const std::size_t capacity_;
  const std::size_t low_water_;
  const std::size_t byte_budget_;
  const std::size_t byte_low_water_;
  const Cost cost_;
  std::size_t waiting_producers_ = 0;  // guarded by mutex_
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Entry> items_;  // guarded by mutex_
  std::size_t bytes_ = 0;    // guarded by mutex_: sum of the queued entries' costs
  bool closed_ = false;      // guarded by mutex_
};

}  // namespace tdump::dump
