#pragma once
// The Azure Blob store: the generic HTTP object store over the Blob service's requests,
// authorised by the credential its provider hands out on each request.
#include <memory>

#include "http/engine.hpp"
#include "store/azure/azure_client.hpp"
#include "store/common/http_object_store.hpp"

namespace tdump::store {

class AzureStore final : public HttpObjectStore<AzureCredential> {
 public:
  // `credentials` null: anonymous.
  AzureStore(std::shared_ptr<const AzureClient> client, CredentialProviderPtr<AzureCredential> credentials,
             std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "az"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;

 protected:
  [[nodiscard]] bool urls_are_encoded() const override { return client_->config().url_encoded; }

 private:
  std::shared_ptr<const AzureClient> client_;
};

Result<std::unique_ptr<ObjectStore>> open_azure_store(std::string_view url, const StoreOptions& options,
                                                      std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
