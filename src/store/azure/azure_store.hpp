#pragma once
// The Azure Blob store.
#include <memory>

#include "http/engine.hpp"
#include "store/azure/azure_client.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

class AzureStore final : public ObjectStore {
 public:
  AzureStore(std::shared_ptr<const AzureClient> client, std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "az"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;
  std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) override;
  void read_range(std::string_view key, ByteRange range, ReadCallback callback) override;
  Status put_object(std::string_view key, std::string_view bytes) override;
  Status delete_object(std::string_view key) override;

 protected:
  [[nodiscard]] bool urls_are_encoded() const override { return client_->config().url_encoded; }

 private:
  std::shared_ptr<const AzureClient> client_;
  std::shared_ptr<http::Engine> engine_;
};

Result<std::unique_ptr<ObjectStore>> open_azure_store(std::string_view url, const StoreOptions& options,
                                                      std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
