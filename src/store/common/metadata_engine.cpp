#include "store/common/metadata_engine.hpp"

#include <chrono>

namespace tdump::store {

std::shared_ptr<http::Engine> metadata_engine() {
  // Never destroyed on purpose (see the header): a leaked pointer, reachable until exit.
  static std::shared_ptr<http::Engine>* const kEngine = []() -> std::shared_ptr<http::Engine>* {
    http::ClientConfig config;
    config.connect_timeout = std::chrono::milliseconds(1'000);
    config.timeout = std::chrono::milliseconds(5'000);
    config.retry.max_retries = 2;
    config.retry.init_backoff = std::chrono::milliseconds(100);
    config.retry.max_backoff = std::chrono::milliseconds(1'000);
    config.retry.retry_timeout = std::chrono::milliseconds(10'000);
    config.http2 = false;
    config.tune_allocator = false;
    config.loops = 1;
    auto engine = http::Engine::create(config);
    if (!engine) return new std::shared_ptr<http::Engine>();       // NOLINT(cppcoreguidelines-owning-memory)
    return new std::shared_ptr<http::Engine>(std::move(*engine));  // NOLINT(cppcoreguidelines-owning-memory)
  }();
  return *kEngine;
}

}  // namespace tdump::store
