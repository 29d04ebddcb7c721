// Engine: owns the shared pieces (config, DNS/TLS share, counters) and N event loops, and spreads
// submissions over them.
#include "http/engine.hpp"

#include <atomic>
#include <future>
#include <mutex>

#include "http/allocator_tuning.hpp"
#include "http/curl_share.hpp"
#include "http/event_loop.hpp"
#include "http/shared_stats.hpp"
#include "http/transfer.hpp"

namespace tdump::http {
namespace {

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(const ClientConfig& config) : config_(config) {
    if (config_.loops == 0) config_.loops = 1;
  }
  EngineImpl(const EngineImpl&) = delete;
  EngineImpl& operator=(const EngineImpl&) = delete;
  ~EngineImpl() override { EngineImpl::shutdown(); }

  Status start() {
    if (auto status = ensure_curl_initialised(); !status) return status;
    if (config_.tune_allocator) keep_freed_memory_for_reuse();
    if (auto status = share_.init(); !status) return status;
    for (std::uint32_t i = 0; i < config_.loops; ++i) {
      loops_.push_back(std::make_unique<EventLoop>(config_, share_.handle(), stats_, this, retries_stopped_));
      if (auto status = loops_.back()->start(); !status) return status;
    }
    return {};
  }

  void submit(Request request, Callback callback) override {
    SharedStats::add(stats_.in_flight);
    auto transfer = std::make_unique<Transfer>(std::move(request), std::move(callback), config_.user_agent);
    pick_loop().enqueue(std::move(transfer));
  }

  Result<Response> execute(Request request) override {
    if (on_own_loop_thread()) {
      return make_error(ErrorCode::kInternal, "http::Engine::execute() called from an engine loop thread (deadlock)");
    }
    std::promise<Result<Response>> promise;
    auto future = promise.get_future();
    submit(std::move(request), [&promise](Result<Response> result) { promise.set_value(std::move(result)); });
    return future.get();
  }

  [[nodiscard]] EngineStats stats() const override { return stats_.snapshot(); }

  void stop_retrying() override {
    if (retries_stopped_.exchange(true, std::memory_order_acq_rel)) return;
    for (auto& loop : loops_) loop->wake();
  }

  void shutdown() override {
    std::lock_guard lock(shutdown_mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& loop : loops_) loop->request_stop();
    for (auto& loop : loops_) loop->join();
  }

 private:
  [[nodiscard]] bool on_own_loop_thread() const noexcept {
    const EventLoop* current = EventLoop::current();
    return current != nullptr && current->owner() == this;
  }

  // A callback that submits again stays on its own loop (no cross-thread wake-up); other
  // threads go round-robin.
  EventLoop& pick_loop() {
    if (EventLoop* current = EventLoop::current(); current != nullptr && current->owner() == this) return *current;
    const auto index = next_loop_.fetch_add(1, std::memory_order_relaxed) % loops_.size();
    return *loops_[index];
  }

  ClientConfig config_;
  CurlShare share_;
  SharedStats stats_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::atomic<std::size_t> next_loop_{0};
  std::atomic<bool> retries_stopped_{false};  // set once by stop_retrying(); read by every loop
  std::mutex shutdown_mutex_;
  bool shut_down_ = false;
};

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(const ClientConfig& config) {
  auto engine = std::make_unique<EngineImpl>(config);
  if (auto status = engine->start(); !status) return std::move(status).error();
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace tdump::http
