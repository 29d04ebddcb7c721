#pragma once
// Engine-wide counters, bumped by every loop thread and read by stats() from any thread.
// Relaxed atomics: each counter is monotonic on its own and no reader needs a consistent cut.
#include <atomic>
#include <cstdint>

#include "http/engine.hpp"

namespace tdump::http {

struct SharedStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> easy_handles{0};

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  [[nodiscard]] EngineStats snapshot() const noexcept {
    EngineStats out;
    out.requests = requests.load(std::memory_order_relaxed);
    out.attempts = attempts.load(std::memory_order_relaxed);
    out.retries = retries.load(std::memory_order_relaxed);
    out.failures = failures.load(std::memory_order_relaxed);
    out.bytes_received = bytes_received.load(std::memory_order_relaxed);
    out.in_flight = in_flight.load(std::memory_order_relaxed);
    out.connections_opened = connections_opened.load(std::memory_order_relaxed);
    out.easy_handles = easy_handles.load(std::memory_order_relaxed);
    return out;
  }
};

}  // namespace tdump::http
