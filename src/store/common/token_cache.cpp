#include "store/common/token_cache.hpp"

namespace tdump::store {
namespace {

// Steady-clock instants carried on the provider's wall-clock axis: both sides of every
// comparison go through the same conversion, so only differences matter.
CredentialClock::time_point on_wall_axis(std::chrono::steady_clock::time_point t) {
  return CredentialClock::time_point(std::chrono::duration_cast<CredentialClock::duration>(t.time_since_epoch()));
}

}  // namespace

TokenCache::TokenCache(Fetcher fetch, std::chrono::seconds margin, Clock clock) {
  auto adapted = [fetch = std::move(fetch)](RefreshingCredentialProvider<BearerCredential>::FetchDone done) {
    fetch([done = std::move(done)](Result<Token> token) {
      if (!token) {
        done(std::move(token).error());
        return;
      }
      done(Expiring<BearerCredential>{BearerCredential{std::move(token->value)}, on_wall_axis(token->expires_at)});
    });
  };
  RefreshPolicy policy;
  policy.refresh_ahead = margin;
  policy.min_ttl = std::min(policy.min_ttl, margin);
  policy.retry_pause = std::chrono::seconds(0);
  provider_ = std::make_shared<RefreshingCredentialProvider<BearerCredential>>(
      std::move(adapted), "OAuth token", policy, [clock = std::move(clock)] { return on_wall_axis(clock()); });
}

void TokenCache::with_token(std::function<void(Result<std::string>)> use) {
  provider_->get([use = std::move(use)](Result<CredentialProvider<BearerCredential>::Ptr> credential) {
    if (!credential) {
      use(std::move(credential).error());
      return;
    }
    use((*credential)->token);
  });
}

Result<std::string> TokenCache::get() {
  auto credential = provider_->get_blocking();
  if (!credential) return std::move(credential).error();
  return (*credential)->token;
}

std::size_t TokenCache::fetches() const {
  return provider_->fetches();
}

}  // namespace tdump::store
