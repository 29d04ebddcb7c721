#pragma once
// Credentials as providers that signing asks on every request (the idea of object_store's
// CredentialProvider; docs/store.md "Credentials" lists every source and its order).
//
// CONTRACT shared by every backend (src/store/s3, gcs, azure) and the HTTP object store:
// - get(use) calls `use` with the current credential. When a fresh one is cached (the hot path)
//   it runs inline on the caller's thread and costs one short lock and a shared_ptr copy.
// - A credential that expires is refreshed ahead of its expiry: once less than `refresh_ahead`
//   of its life is left, the next get() starts one background fetch and is still answered at once
//   with the cached credential; only when less than `min_ttl` is left (or none was ever fetched)
//   do callers wait, and then all of them wait for the same single fetch.
// - A failed background refresh keeps the old credential while it is valid and tries again after
//   a short pause; a failed fetch that callers wait on fails those callers (their request then
//   ends as an error row or a failed listing, like any other failed request).
// - invalidate(c) forgets `c` if it is still the cached one (a server said ExpiredToken or
//   InvalidToken): the next get() fetches afresh. A credential already replaced is left alone.
// - Fetchers run on the thread that calls get(); they must not block an engine loop thread:
//   they submit their requests to the engine and call `done` from its callback.
// - describe() names the source for messages ("web identity (role arn:aws:iam::1:role/r)"); no
//   provider ever puts a secret into a message, an error or a log line.
#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace tdump::store {

// Expiry times come from servers as wall-clock instants (STS `Expiration`, IMDS `Expiration`,
// OAuth `expires_in` added to the time of the answer).
using CredentialClock = std::chrono::system_clock;

// A server's instant (a duration since the Unix epoch) as a CredentialClock time point, kept
// where arithmetic with the current time cannot overflow: the clock counts nanoseconds in 64 bits
// (up to the year 2262), so an "Expiration" in the year 9999 becomes the clock's maximum, and
// one before 1970 (long past, like 1013) becomes the epoch, so that `expires - now` stays
// representable (fuzz/sts, fuzz/sso and fuzz/bearer_token found both overflows).
template <typename Rep, typename Period>
CredentialClock::time_point credential_time(std::chrono::duration<Rep, Period> since_epoch) {
  using Given = std::chrono::duration<Rep, Period>;
  // The clock's limit in the given unit (truncated towards zero, so it converts back exactly).
  const auto most = std::chrono::duration_cast<Given>(CredentialClock::duration::max());
  if (since_epoch >= most) return CredentialClock::time_point::max();
  if (since_epoch <= Given::zero()) return CredentialClock::time_point{};
  return CredentialClock::time_point(std::chrono::duration_cast<CredentialClock::duration>(since_epoch));
}

// An AWS access key, with the session token of temporary credentials.
struct AwsCredential {
  std::string key_id;
  std::string secret_key;
  std::string token;  // "" for long-lived keys
};

// An OAuth 2.0 access token (Google, Azure AD), sent as "Authorization: Bearer <token>".
struct BearerCredential {
  std::string token;
};

// The values of a credential a server must never echo into a message (server_text()).
inline std::vector<std::string> credential_secrets(const AwsCredential& credential) {
  return {credential.secret_key, credential.token};
}
inline std::vector<std::string> credential_secrets(const BearerCredential& credential) {
  return {credential.token};
}

// A credential and when it stops being valid (nullopt: it does not expire).
template <typename T>
struct Expiring {
  T value;
  std::optional<CredentialClock::time_point> expires;
};

template <typename T>
class CredentialProvider {
 public:
  using Ptr = std::shared_ptr<const T>;
  using Callback = std::function<void(Result<Ptr>)>;

  CredentialProvider() = default;
  CredentialProvider(const CredentialProvider&) = delete;
  CredentialProvider& operator=(const CredentialProvider&) = delete;
  virtual ~CredentialProvider() = default;

  virtual void get(Callback use) = 0;
  virtual void invalidate(const Ptr& /*stale*/) {}
  [[nodiscard]] virtual std::string describe() const = 0;
  // True when the credential expires and is refreshed (a rejected request may be worth one retry
  // with a fresh credential); false for static keys.
  [[nodiscard]] virtual bool refreshes() const { return false; }

  // Blocking form for control-plane threads (a lister, a writer); never from an engine loop.
  Result<Ptr> get_blocking() {
    std::promise<Result<Ptr>> done;
    auto future = done.get_future();
    get([&done](Result<Ptr> credential) { done.set_value(std::move(credential)); });
    return future.get();
  }
};

template <typename T>
using CredentialProviderPtr = std::shared_ptr<CredentialProvider<T>>;

// A credential that never changes (keys from options, the environment or a profile file).
template <typename T>
class StaticCredentialProvider final : public CredentialProvider<T> {
 public:
  StaticCredentialProvider(T value, std::string source)
      : value_(std::make_shared<const T>(std::move(value))), source_(std::move(source)) {}
  void get(typename CredentialProvider<T>::Callback use) override { use(value_); }
  [[nodiscard]] std::string describe() const override { return source_; }

 private:
  std::shared_ptr<const T> value_;
  std::string source_;
};

// When to refresh. Margins shrink with a short lifetime (test credentials that live seconds):
// refresh_ahead is at most half the lifetime, min_ttl at most a tenth.
struct RefreshPolicy {
  std::chrono::seconds refresh_ahead{300};  // start a background refresh with this much life left
  std::chrono::seconds min_ttl{30};         // below this, wait for a fresh credential
  std::chrono::seconds retry_pause{5};      // after a failed background refresh
};

// The cache + single-flight refresh around an asynchronous fetch. Create with std::make_shared
// (a fetch in flight keeps the provider alive).
template <typename T>
class RefreshingCredentialProvider final : public CredentialProvider<T>,
                                           public std::enable_shared_from_this<RefreshingCredentialProvider<T>> {
 public:
  using Ptr = typename CredentialProvider<T>::Ptr;
  using Callback = typename CredentialProvider<T>::Callback;
  using FetchDone = std::function<void(Result<Expiring<T>>)>;
  // Starts one fetch and calls `done` exactly once, from any thread (never inline under a lock
  // of the provider: the provider releases its lock before calling).
  using Fetch = std::function<void(FetchDone done)>;
  using Now = std::function<CredentialClock::time_point()>;

  RefreshingCredentialProvider(Fetch fetch, std::string source, RefreshPolicy policy = {},
                               Now now = &CredentialClock::now)
      : fetch_(std::move(fetch)), source_(std::move(source)), policy_(policy), now_(std::move(now)) {}

  void get(Callback use) override {
    std::unique_lock lock(mutex_);
    const auto now = now_();
    if (cached_ && fresh_enough(now)) {
      Ptr value = cached_;
      bool start = !fetching_ && wants_background_refresh(now);
      if (start) begin_fetch_locked();
      lock.unlock();
      if (start) run_fetch();
      use(std::move(value));
      return;
    }
    waiters_.push_back(std::move(use));
    if (fetching_) return;
    begin_fetch_locked();
    lock.unlock();
    run_fetch();
  }

  void invalidate(const Ptr& stale) override {
    std::lock_guard lock(mutex_);
    if (stale && cached_ == stale) cached_.reset();
  }

  [[nodiscard]] std::string describe() const override { return source_; }
  [[nodiscard]] bool refreshes() const override { return true; }

  // Fetches started so far (tests: a burst of requests shares one; a long run refreshes).
  [[nodiscard]] std::size_t fetches() const {
    std::lock_guard lock(mutex_);
    return fetches_;
  }

 private:
  // Milliseconds, so that a credential living two seconds still gets its margins.
  [[nodiscard]] std::chrono::milliseconds scaled(std::chrono::seconds margin, int divisor) const {
    const std::chrono::milliseconds full = margin;
    if (!lifetime_) return full;
    return std::min(full, *lifetime_ / divisor);
  }
  [[nodiscard]] bool fresh_enough(CredentialClock::time_point now) const {
    return !expires_ || now + scaled(policy_.min_ttl, 10) < *expires_;
  }
  [[nodiscard]] bool wants_background_refresh(CredentialClock::time_point now) const {
    return expires_ && now + scaled(policy_.refresh_ahead, 2) >= *expires_ && now >= retry_after_;
  }
  void begin_fetch_locked() {
    fetching_ = true;
    ++fetches_;
  }
  void run_fetch() {
    fetch_([self = this->shared_from_this()](Result<Expiring<T>> fetched) { self->on_fetched(std::move(fetched)); });
  }

  void on_fetched(Result<Expiring<T>> fetched) {
    std::vector<Callback> waiters;
    Result<Ptr> outcome = Ptr{};
    {
      std::lock_guard lock(mutex_);
      fetching_ = false;
      const auto now = now_();
      if (fetched) {
        cached_ = std::make_shared<const T>(std::move(fetched->value));
        expires_ = fetched->expires;
        lifetime_.reset();
        if (expires_ && *expires_ > now)
          lifetime_ = std::chrono::duration_cast<std::chrono::milliseconds>(*expires_ - now);
        retry_after_ = {};
        outcome = cached_;
      } else {
        retry_after_ = now + policy_.retry_pause;
        outcome = std::move(fetched).error();
      }
      waiters.swap(waiters_);
    }
    for (auto& waiter : waiters) waiter(outcome);
  }

  Fetch fetch_;
  std::string source_;
  RefreshPolicy policy_;
  Now now_;

  mutable std::mutex mutex_;
  Ptr cached_;                                          // guarded by mutex_
  std::optional<CredentialClock::time_point> expires_;  // guarded
  std::optional<std::chrono::milliseconds> lifetime_;   // guarded: expiry minus the time it arrived
  CredentialClock::time_point retry_after_{};           // guarded: no background refresh before this
  bool fetching_ = false;                               // guarded
  std::size_t fetches_ = 0;                             // guarded
  std::vector<Callback> waiters_;                       // guarded
};

// Another provider's credential in another form (an Azure AD bearer token as the Azure store's
// credential). The converted value is cached per source credential, so the hot path stays a
// lookup; refresh and invalidation are the source's.
template <typename From, typename To>
class MappedCredentialProvider final : public CredentialProvider<To>,
                                       public std::enable_shared_from_this<MappedCredentialProvider<From, To>> {
 public:
  using Map = std::function<To(const From&)>;
  using Callback = typename CredentialProvider<To>::Callback;
  using Ptr = typename CredentialProvider<To>::Ptr;

  MappedCredentialProvider(CredentialProviderPtr<From> source, Map map)
      : source_(std::move(source)), map_(std::move(map)) {}

  void get(Callback use) override {
    source_->get(
        [self = this->shared_from_this(), use = std::move(use)](Result<typename CredentialProvider<From>::Ptr> from) {
          if (!from) {
            use(std::move(from).error());
            return;
          }
          use(self->converted(*from));
        });
  }
  void invalidate(const Ptr& stale) override {
    typename CredentialProvider<From>::Ptr from;
    {
      std::lock_guard lock(mutex_);
      if (stale && stale == to_) from = from_;
    }
    if (from) source_->invalidate(from);
  }
  [[nodiscard]] std::string describe() const override { return source_->describe(); }
  [[nodiscard]] bool refreshes() const override { return source_->refreshes(); }

 private:
  Ptr converted(const typename CredentialProvider<From>::Ptr& from) {
    std::lock_guard lock(mutex_);
    if (from != from_) {
      to_ = std::make_shared<const To>(map_(*from));
      from_ = from;
    }
    return to_;
  }

  CredentialProviderPtr<From> source_;
  Map map_;
  std::mutex mutex_;
  typename CredentialProvider<From>::Ptr from_;  // guarded by mutex_: the source credential to_ was made from
  Ptr to_;                                       // guarded
};

}  // namespace tdump::store
