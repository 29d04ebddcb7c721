#pragma once
// A few worker threads for the local store's reads, so read_range's callback never runs
// inline on the caller's thread (the contract every store keeps).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tdump::store {

class IoThreads {
 public:
  // A task receives `cancelled` = true when the pool shuts down before running it.
  using Task = std::function<void(bool cancelled)>;

  explicit IoThreads(unsigned threads);
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;
  ~IoThreads();  // runs the tasks left with cancelled = true, then joins

  void post(Task task);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tdump::store
