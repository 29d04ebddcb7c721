#pragma once
// The legacy face of a refreshing bearer token (GCS OAuth before the stores ask a
// CredentialProvider): a thin adapter over RefreshingCredentialProvider<BearerCredential>
// (credential_provider.hpp), so there is one cache and one single-flight refresh mechanism.
// New code uses the provider directly (gcs_credentials.hpp, azure_credentials.hpp); this adapter
// goes once nothing calls with_token().
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "store/common/credential_provider.hpp"

namespace tdump::store {

struct Token {
  std::string value;
  std::chrono::steady_clock::time_point expires_at;
};

class TokenCache {
 public:
  using TokenCallback = std::function<void(Result<Token>)>;
  // Starts one asynchronous fetch and calls `done` exactly once, from any thread.
  using Fetcher = std::function<void(TokenCallback done)>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // A background refresh starts once less than `margin` of a token's life remains; callers keep
  // getting the cached token meanwhile (RefreshPolicy::refresh_ahead). A failed refresh is
  // retried by the next call.
  explicit TokenCache(Fetcher fetch, std::chrono::seconds margin = std::chrono::seconds(300),
                      Clock clock = &std::chrono::steady_clock::now);

  // Calls `use` with a valid token: at once (inline) when one is cached, else when the
  // (single) fetch in progress completes, on the thread that completes it.
  void with_token(std::function<void(Result<std::string>)> use);
  // Blocking form for the lister thread.
  Result<std::string> get();
  // Number of fetches started (tests check that a burst of requests shares one).
  [[nodiscard]] std::size_t fetches() const;
  // The provider underneath, for code that speaks CredentialProvider.
  [[nodiscard]] CredentialProviderPtr<BearerCredential> provider() const { return provider_; }

 private:
  std::shared_ptr<RefreshingCredentialProvider<BearerCredential>> provider_;
};

}  // namespace tdump::store
