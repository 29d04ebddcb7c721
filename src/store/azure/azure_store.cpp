#include "store/azure/azure_store.hpp"

#include "store/azure/azure_credentials.hpp"
#include "store/common/metadata_engine.hpp"
#include "store/common/url.hpp"

namespace tdump::store {

AzureStore::AzureStore(std::shared_ptr<const AzureClient> client, CredentialProviderPtr<AzureCredential> credentials,
                       std::shared_ptr<http::Engine> engine)
    : HttpObjectStore<AzureCredential>(client, std::move(credentials), std::move(engine),
                                       "no account key, SAS or token"),
      client_(std::move(client)) {}

std::string AzureStore::url_for(std::string_view key) const {
  const auto& config = client_->config();
  std::string out = config.url_base;
  if (config.url_encoded) {
    percent_encode_append(out, config.root_prefix, true);
    percent_encode_append(out, key, true);
  } else {
    out += config.root_prefix;
    out += key;
  }
  return out;
}

Result<std::unique_ptr<ObjectStore>> open_azure_store(std::string_view url, const StoreOptions& options,
                                                      std::shared_ptr<http::Engine> engine) {
  auto config = azure_config_from_url(url, options);
  if (!config) return std::move(config).error();
  auto credentials = azure_credential_provider(*config, engine, metadata_engine());
  if (!credentials) return std::move(credentials).error();
  std::string source = *credentials ? (*credentials)->describe() : std::string("anonymous");
  auto client = AzureClient::create(std::move(*config), std::move(source));
  if (!client) return std::move(client).error();
  return std::unique_ptr<ObjectStore>(
      std::make_unique<AzureStore>(std::move(*client), std::move(*credentials), std::move(engine)));
}

}  // namespace tdump::store
