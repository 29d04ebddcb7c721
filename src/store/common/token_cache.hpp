#pragma once
// A bearer token shared by every request of a store (GCS OAuth): fetched once, reused until
// shortly before it expires, and refreshed by a single fetch even when many requests need it
// at the same moment; the others wait for that fetch instead of starting their own.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tdump::store {

struct Token {
  std::string value;
  std::chrono::steady_clock::time_point expires_at;
};

// Create with std::make_shared: a fetch in flight keeps the cache alive.
class TokenCache : public std::enable_shared_from_this<TokenCache> {
 public:
  using TokenCallback = std::function<void(Result<Token>)>;
  // Starts one asynchronous fetch and calls `done` exactly once, from any thread.
  using Fetcher = std::function<void(TokenCallback done)>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // A token is refreshed once less than `margin` of its life remains.
  explicit TokenCache(Fetcher fetch, std::chrono::seconds margin = std::chrono::seconds(300),
                      Clock clock = &std::chrono::steady_clock::now);

  // Calls `use` with a valid token: at once (inline) when one is cached, else when the
  // (single) fetch in progress completes, on the thread that completes it.
  void with_token(std::function<void(Result<std::string>)> use);
  // Blocking form for the lister thread.
  Result<std::string> get();
  // Number of fetches started (tests check that a burst of requests shares one).
  [[nodiscard]] std::size_t fetches() const;

 private:
  void on_fetched(Result<Token> token);

  Fetcher fetch_;
  std::chrono::seconds margin_;
  Clock clock_;
  mutable std::mutex mutex_;
  Token token_;
  bool have_token_ = false;
  bool fetching_ = false;
  std::size_t fetches_ = 0;
  std::vector<std::function<void(Result<std::string>)>> waiters_;
};

}  // namespace tdump::store
