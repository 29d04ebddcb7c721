#pragma once
// The Google Cloud Storage store: the generic HTTP object store over the JSON API's requests,
// authorised by the bearer token its provider hands out on each request.
#include <memory>

#include "http/engine.hpp"
#include "store/common/http_object_store.hpp"
#include "store/gcs/gcs_client.hpp"

namespace tdump::store {

class GcsStore final : public HttpObjectStore<BearerCredential> {
 public:
  // `credentials` null: anonymous.
  GcsStore(std::shared_ptr<const GcsClient> client, CredentialProviderPtr<BearerCredential> credentials,
           std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "gs"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;

 private:
  std::shared_ptr<const GcsClient> client_;
};

Result<std::unique_ptr<ObjectStore>> open_gcs_store(std::string_view url, const StoreOptions& options,
                                                    std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
