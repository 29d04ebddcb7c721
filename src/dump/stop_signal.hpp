#pragma once
// A stop request that a signal handler can make and any thread can wait for without polling:
// an atomic (which signal) plus an eventfd that becomes readable, and stays readable, once the
// stop is requested. poll() it next to other descriptors (a FIFO of keys, a wake-up of one's
// own) to wake exactly when it happens.
#include <atomic>

namespace tdump::dump {

class StopSignal {
 public:
  StopSignal();  // opens the eventfd (a failure leaves fd() == -1: requested() still works)
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  // Async-signal-safe (an atomic exchange and a write()). Returns false when a stop had
  // already been requested: the caller's second signal.
  bool request(int signal_number = 0) noexcept;
  [[nodiscard]] bool requested() const noexcept { return requested_.load(std::memory_order_acquire); }
  // The signal given to the first request (0 when none was given).
  [[nodiscard]] int signal_number() const noexcept { return signal_.load(std::memory_order_acquire); }
  // Readable from the first request on; never read from, so every poller sees it.
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
  std::atomic<bool> requested_{false};
  std::atomic<int> signal_{0};
  static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
                "a signal handler may only touch lock-free atomics");
};

}  // namespace tdump::dump
