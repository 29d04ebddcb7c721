// The credential-provider seam (src/store/common/credential_provider.hpp) with a fake clock and
// fetches the test completes by hand: single flight under a burst from many threads, refresh
// ahead of expiry while callers are answered at once, waiting under min_ttl, failures, and
// invalidate().
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "store/common/credential_provider.hpp"

namespace tdump::store {
namespace {

using namespace std::chrono_literals;
using Provider = RefreshingCredentialProvider<AwsCredential>;
using Ptr = Provider::Ptr;

// A wall clock the test moves.
class FakeClock {
 public:
  CredentialClock::time_point now() const { return start_ + std::chrono::seconds(offset_.load()); }
  void advance(std::chrono::seconds by) { offset_ += by.count(); }
  void set(std::chrono::seconds at) { offset_ = at.count(); }
  [[nodiscard]] CredentialClock::time_point at(std::chrono::seconds offset) const { return start_ + offset; }

 private:
  CredentialClock::time_point start_ = CredentialClock::time_point(std::chrono::seconds(1'800'000'000));
  std::atomic<std::int64_t> offset_{0};
};

// Fetches stay pending until the test completes them.
class ManualFetches {
 public:
  Provider::Fetch fetcher() {
    return [this](Provider::FetchDone done) {
      std::lock_guard lock(mutex_);
      pending_.push_back(std::move(done));
      changed_.notify_all();
    };
  }
  [[nodiscard]] std::size_t pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
  }
  // Completes the oldest pending fetch (outside the lock, like an engine callback).
  void complete(Result<Expiring<AwsCredential>> result) {
    Provider::FetchDone done;
    {
      std::lock_guard lock(mutex_);
      ASSERT_FALSE(pending_.empty());
      done = std::move(pending_.front());
      pending_.erase(pending_.begin());
    }
    done(std::move(result));
  }
  void wait_for_pending(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return pending_.size() >= n; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Provider::FetchDone> pending_;
};

Expiring<AwsCredential> credential(const std::string& key, std::optional<CredentialClock::time_point> expires) {
  return Expiring<AwsCredential>{AwsCredential{key, "secret-" + key, "token-" + key}, expires};
}

struct Fixture {
  FakeClock clock;
  ManualFetches fetches;
  std::shared_ptr<Provider> provider;
  explicit Fixture(RefreshPolicy policy = {}) {
    provider = std::make_shared<Provider>(fetches.fetcher(), "test source", policy, [this] { return clock.now(); });
  }
  // get(), recording whether the callback ran before get() returned.
  struct Answer {
    bool inline_answer = false;
    std::shared_ptr<std::optional<Result<Ptr>>> result = std::make_shared<std::optional<Result<Ptr>>>();
  };
  // The credential an answer carries (the test fails on an error or no answer).
  static Ptr value(const Answer& answer) {
    if (!answer.result->has_value() || !answer.result->value().ok()) {
      ADD_FAILURE() << "no credential";
      return nullptr;
    }
    return *answer.result->value();
  }
  Answer get() {
    Answer answer;
    auto slot = answer.result;
    provider->get([slot](Result<Ptr> r) { slot->emplace(std::move(r)); });
    answer.inline_answer = answer.result->has_value();
    return answer;
  }
};

TEST(RefreshingCredentialProvider, BurstOfConcurrentGetsSharesOneFetch) {
  Fixture f;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> answered{0};
  std::mutex seen_mutex;
  std::vector<Ptr> seen;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          f.provider->get([&](Result<Ptr> r) {
            ASSERT_TRUE(r.ok());
            std::lock_guard lock(seen_mutex);
            seen.push_back(*r);
            ++answered;
          });
        }
      });
    }
  }
  EXPECT_EQ(f.provider->fetches(), 1U);
  EXPECT_EQ(f.fetches.pending(), 1U);
  EXPECT_EQ(answered.load(), 0);  // everyone waits for the one fetch
  std::jthread completer([&] { f.fetches.complete(credential("A", f.clock.at(3600s))); });
  completer.join();
  EXPECT_EQ(answered.load(), kThreads * kPerThread);
  for (const auto& p : seen) {
    ASSERT_EQ(p, seen.front());  // one credential object shared by all
  }
  EXPECT_EQ(seen.front()->key_id, "A");
  // Later calls are answered inline from the cache, without a fetch.
  auto later = f.get();
  EXPECT_TRUE(later.inline_answer);
  EXPECT_EQ(f.provider->fetches(), 1U);
}

TEST(RefreshingCredentialProvider, RefreshesOnceInTheBackgroundInsideRefreshAhead) {
  Fixture f;  // refresh_ahead 300 s, min_ttl 30 s
  auto first = f.get();
  EXPECT_FALSE(first.inline_answer);
  f.fetches.complete(credential("A", f.clock.at(3600s)));
  ASSERT_TRUE(first.result->has_value());

  f.clock.set(3600s - 301s);  // just outside refresh_ahead: no refresh
  auto outside = f.get();
  EXPECT_TRUE(outside.inline_answer);
  EXPECT_EQ(f.provider->fetches(), 1U);

  f.clock.set(3600s - 299s);  // inside: one background fetch, callers still answered at once
  for (int i = 0; i < 50; ++i) {
    auto answer = f.get();
    ASSERT_TRUE(answer.inline_answer);
    ASSERT_EQ(Fixture::value(answer)->key_id, "A");
  }
  EXPECT_EQ(f.provider->fetches(), 2U);
  EXPECT_EQ(f.fetches.pending(), 1U);
  f.fetches.complete(credential("B", f.clock.at(3600s + 3300s)));
  auto after = f.get();
  EXPECT_TRUE(after.inline_answer);
  EXPECT_EQ(Fixture::value(after)->key_id, "B");
  EXPECT_EQ(f.provider->fetches(), 2U);
}

TEST(RefreshingCredentialProvider, CallersWaitUnderMinTtlForOneFetch) {
  Fixture f;
  f.get();
  f.fetches.complete(credential("A", f.clock.at(3600s)));
  f.clock.set(3600s - 29s);  // under min_ttl (30 s): the cached credential is not handed out
  std::vector<Fixture::Answer> waiting;
  for (int i = 0; i < 20; ++i) waiting.push_back(f.get());
  for (const auto& w : waiting) EXPECT_FALSE(w.inline_answer);
  EXPECT_EQ(f.provider->fetches(), 2U);
  f.fetches.complete(credential("B", f.clock.at(7200s)));
  for (const auto& w : waiting) {
    ASSERT_TRUE(w.result->has_value());
    EXPECT_EQ(Fixture::value(w)->key_id, "B");
  }
}

TEST(RefreshingCredentialProvider, ShortLifetimesScaleTheMargins) {
  Fixture f;
  f.get();
  f.fetches.complete(credential("A", f.clock.at(10s)));  // lifetime 10 s: refresh 5 s ahead, wait under 1 s
  f.clock.set(4s);
  EXPECT_TRUE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 1U);
  f.clock.set(5s);
  EXPECT_TRUE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 2U);  // background refresh started
  f.fetches.complete(credential("B", f.clock.at(15s)));
  f.clock.set(14s);  // 1 s left of B's 10 s: wait
  EXPECT_FALSE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 3U);
}

TEST(RefreshingCredentialProvider, FailedFetchFailsItsWaitersAndTheNextGetTriesAgain) {
  Fixture f;
  auto a = f.get();
  auto b = f.get();
  f.fetches.complete(make_error(ErrorCode::kPermissionDenied, "no role attached"));
  ASSERT_TRUE(a.result->has_value());
  ASSERT_FALSE(a.result->value().ok());
  EXPECT_EQ(a.result->value().error().message, "no role attached");
  ASSERT_TRUE(b.result->has_value());
  EXPECT_FALSE(b.result->value().ok());
  // Nothing cached: the next caller starts a fresh fetch at once (no pause when nothing is valid).
  auto c = f.get();
  EXPECT_FALSE(c.inline_answer);
  EXPECT_EQ(f.provider->fetches(), 2U);
  f.fetches.complete(credential("A", f.clock.at(3600s)));
  ASSERT_TRUE(c.result->has_value());
  EXPECT_TRUE(c.result->value().ok());
}

TEST(RefreshingCredentialProvider, FailedBackgroundRefreshKeepsTheValidCredentialAndPauses) {
  Fixture f;  // retry_pause 5 s
  f.get();
  f.fetches.complete(credential("A", f.clock.at(3600s)));
  f.clock.set(3400s);  // inside refresh_ahead
  EXPECT_TRUE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 2U);
  f.fetches.complete(make_error(ErrorCode::kNetwork, "STS unreachable"));
  // Still answered with A; no new fetch during the pause.
  auto during = f.get();
  EXPECT_TRUE(during.inline_answer);
  EXPECT_EQ(Fixture::value(during)->key_id, "A");
  f.clock.set(3404s);
  EXPECT_TRUE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 2U);
  f.clock.set(3405s);  // the pause is over: one more background try
  EXPECT_TRUE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 3U);
  f.fetches.complete(credential("B", f.clock.at(7000s)));
  EXPECT_EQ(Fixture::value(f.get())->key_id, "B");
}

TEST(RefreshingCredentialProvider, InvalidateForgetsOnlyTheCachedCredential) {
  Fixture f;
  auto first = f.get();
  f.fetches.complete(credential("A", f.clock.at(3600s)));
  Ptr a = Fixture::value(first);
  f.provider->invalidate(a);  // a server said ExpiredToken
  auto next = f.get();
  EXPECT_FALSE(next.inline_answer);
  EXPECT_EQ(f.provider->fetches(), 2U);
  f.fetches.complete(credential("B", f.clock.at(3600s)));
  Ptr b = Fixture::value(next);
  EXPECT_EQ(b->key_id, "B");
  f.provider->invalidate(a);  // a stale report about A leaves B alone
  auto again = f.get();
  EXPECT_TRUE(again.inline_answer);
  EXPECT_EQ(Fixture::value(again), b);
  EXPECT_EQ(f.provider->fetches(), 2U);
}

TEST(RefreshingCredentialProvider, CredentialsWithoutExpiryAreNeverRefetched) {
  Fixture f;
  f.get();
  f.fetches.complete(credential("A", std::nullopt));
  f.clock.set(100'000'000s);
  EXPECT_TRUE(f.get().inline_answer);
  EXPECT_EQ(f.provider->fetches(), 1U);
  EXPECT_TRUE(f.provider->refreshes());
  EXPECT_EQ(f.provider->describe(), "test source");
}

TEST(RefreshingCredentialProvider, GetBlockingWaitsForAFetchCompletedOnAnotherThread) {
  Fixture f;
  std::jthread completer([&] {
    f.fetches.wait_for_pending(1);
    f.fetches.complete(credential("A", f.clock.at(3600s)));
  });
  auto got = f.provider->get_blocking();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->key_id, "A");
}

TEST(StaticCredentialProvider, AnswersInlineAndNeverRefreshes) {
  StaticCredentialProvider<AwsCredential> provider(AwsCredential{"AK", "SK", ""}, "options");
  bool called = false;
  provider.get([&](Result<Ptr> r) {
    called = true;
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->key_id, "AK");
  });
  EXPECT_TRUE(called);
  EXPECT_FALSE(provider.refreshes());
  EXPECT_EQ(provider.describe(), "options");
}

}  // namespace
}  // namespace tdump::store
