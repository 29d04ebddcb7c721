#pragma once
// One I/O thread: a libcurl multi handle driven by epoll through curl_multi_socket_action, so
// each wake-up touches only the connections that have something to do (curl_multi_perform walks
// every transfer on every call, which does not scale to thousands in flight). Plain-http GETs go
// through the loop's own HTTP/1.1 client instead (http/plain_http.hpp, on the same epoll set), when
// ClientConfig::own_http1 allows. Submissions arrive through a queue and an eventfd; retries wait
// in a timer heap inside the loop, never blocking it; both paths end an attempt in conclude().
#include <curl/curl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "http/engine.hpp"
#include "http/plain_http.hpp"
#include "http/shared_stats.hpp"
#include "http/transfer.hpp"

namespace tdump::http {

class EventLoop final : private PlainHttpOwner {
 public:
  // `retries_stopped`: the engine's switch (Engine::stop_retrying); once true, this loop fails
  // its pending retries and schedules no new ones.
  EventLoop(const ClientConfig& config, CURLSH* share, SharedStats& stats, const void* owner,
            const std::atomic<bool>& retries_stopped);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Creates the multi handle, epoll and eventfd, and starts the thread.
  [[nodiscard]] Status start();
  // Thread-safe. After the loop has stopped, fails the transfer with kCancelled on the caller's thread.
  void enqueue(std::unique_ptr<Transfer> transfer);
  // Asks the thread to cancel everything it holds and exit; join() waits for it.
  void request_stop();
  void join();
  // Thread-safe: makes the loop go round once (e.g. to see that retries were stopped).
  void wake();

  // The loop running on this thread, if any, and the engine it belongs to.
  static EventLoop* current() noexcept;
  [[nodiscard]] const void* owner() const noexcept { return owner_; }

 private:
  // One libcurl multi handle of this loop, with its connection cache. libcurl 7.88's work per
  // transfer grows with the connections one multi handle holds (it walks them to find an idle
  // one and again when a handle is removed: docs/http.md, "With 40 ms of server latency"), so
  // without connection limits a loop gives each block of kHandlesPerMulti easy handles its own.
  struct Multi {
    EventLoop* loop = nullptr;
    CURLM* handle = nullptr;
    std::optional<std::chrono::steady_clock::time_point> deadline;  // libcurl's timer
  };
  // A pooled easy handle and what it is busy with.
  struct Slot {
    CURL* easy = nullptr;
    Multi* multi = nullptr;  // the one it is always added to (its connections live there)
    Transfer* transfer = nullptr;
    // Options stay set between uses; a plain GET after a plain GET changes only per-request ones.
    bool configured_for_plain_get = false;
    std::uint64_t use = 0;  // bumped at each use, so a stale first-byte deadline can be told apart
    std::array<char, CURL_ERROR_SIZE> error{};
  };
  // What the loop knows of a descriptor. Connection sockets are opened and closed through the
  // loop's own callbacks ("ours"), so a keep-alive socket can stay in the epoll set while idle:
  // no epoll_ctl pair per request. Other descriptors (the resolver's) follow libcurl eagerly.
  struct FdState {
    bool ours = false;
    bool registered = false;  // in the epoll set with `events`
    bool wanted = false;      // libcurl currently wants to hear about it
    std::uint32_t events = 0;
    Multi* owner = nullptr;  // the multi handle that last asked to watch it
  };
  struct FirstByteDeadline {
    std::chrono::steady_clock::time_point due;
    Slot* slot;
    std::uint64_t use;
  };
  struct PendingRetry {
    std::chrono::steady_clock::time_point due;
    Transfer* transfer;
  };

  void run();
  void wait_and_dispatch();
  [[nodiscard]] int next_wait_ms() const;
  void take_incoming();
  void start_due_retries();
  void drain_completions();
  void expire_deadlines();
  void start_attempt(Transfer* transfer);
  void on_done(Slot* slot, CURLcode code);
  // One attempt ended (libcurl's or the plain path's): retry, or finish with its result.
  void conclude(Transfer* transfer, CURLcode code, const AttemptEnd& end);
  void on_attempt_end(Transfer* transfer, AttemptEnd end) override;
  bool schedule_retry(Transfer* transfer, std::optional<std::chrono::milliseconds> retry_after, bool& budget_exhausted);
  // Why a retryable failure is not retried now (shutdown, stop_retrying), or null.
  [[nodiscard]] const char* retry_refusal() const;
  void finish(Transfer* transfer, Result<Response> result);
  void cancel_everything();
  // Fails every request waiting for a retry with kCancelled (retries were stopped).
  void cancel_pending_retries();

  // A new multi handle with this loop's callbacks and its share of the connection limits.
  Multi* add_multi();
  Slot* acquire_slot();
  void release_slot(Slot* slot);
  void configure_handle(Slot& slot);
  void configure_request(Slot& slot, Transfer& transfer) const;

  FdState& fd_state(curl_socket_t fd);
  // Returns true when the event belongs to libcurl (else it was an idle socket, now dropped).
  bool claim_event(curl_socket_t fd);

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static curl_socket_t on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int on_close_socket(void* self, curl_socket_t fd);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);  // NOLINT(google-runtime-int): libcurl's type

  const ClientConfig& config_;
  CURLSH* share_;
  SharedStats& stats_;
  const void* owner_;

  std::vector<std::unique_ptr<Multi>> multis_;  // loop thread after start()
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  const std::atomic<bool>& retries_stopped_;  // owned by the engine
  const bool proxy_from_environment_;         // read once: libcurl would otherwise getenv per request

  mutable std::mutex incoming_mutex_;
  std::vector<std::unique_ptr<Transfer>> incoming_;  // guarded by incoming_mutex_
  bool wake_pending_ = false;                        // guarded: an eventfd write is already on its way
  bool accepting_ = true;                            // guarded: false once the thread has drained for good

  // Loop-thread state.
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_slots_;
  std::vector<PendingRetry> retries_;              // min-heap on `due`
  std::vector<FirstByteDeadline> first_byte_due_;  // min-heap on `due`
  std::vector<FdState> fds_;                       // indexed by descriptor
  std::unique_ptr<PlainHttp> plain_;               // null when libcurl takes everything
  std::mt19937_64 rng_;
};

}  // namespace tdump::http
