#include "store/common/token_cache.hpp"

#include <future>

namespace tdump::store {

TokenCache::TokenCache(Fetcher fetch, std::chrono::seconds margin, Clock clock)
    : fetch_(std::move(fetch)), margin_(margin), clock_(std::move(clock)) {}

void TokenCache::with_token(std::function<void(Result<std::string>)> use) {
  std::unique_lock lock(mutex_);
  if (have_token_ && clock_() + margin_ < token_.expires_at) {
    std::string value = token_.value;
    lock.unlock();
    use(std::move(value));
    return;
  }
  waiters_.push_back(std::move(use));
  if (fetching_) return;
  fetching_ = true;
  ++fetches_;
  lock.unlock();
  fetch_([self = shared_from_this()](Result<Token> token) { self->on_fetched(std::move(token)); });
}

void TokenCache::on_fetched(Result<Token> token) {
  std::vector<std::function<void(Result<std::string>)>> waiters;
  {
    std::lock_guard lock(mutex_);
    fetching_ = false;
    if (token) {
      token_ = *token;
      have_token_ = true;
    }
    waiters.swap(waiters_);
  }
  for (auto& waiter : waiters) {
    if (token) {
      waiter(token->value);
    } else {
      waiter(token.error());
    }
  }
}

Result<std::string> TokenCache::get() {
  std::promise<Result<std::string>> done;
  auto future = done.get_future();
  with_token([&done](Result<std::string> token) { done.set_value(std::move(token)); });
  return future.get();
}

std::size_t TokenCache::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

}  // namespace tdump::store
