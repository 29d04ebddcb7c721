#include "store/gcs/gcs_store.hpp"

#include "store/common/metadata_engine.hpp"
#include "store/gcs/gcs_credentials.hpp"

namespace tdump::store {

GcsStore::GcsStore(std::shared_ptr<const GcsClient> client, CredentialProviderPtr<BearerCredential> credentials,
                   std::shared_ptr<http::Engine> engine)
    : HttpObjectStore<BearerCredential>(client, std::move(credentials), std::move(engine), "skip_signature is set"),
      client_(std::move(client)) {}

std::string GcsStore::url_for(std::string_view key) const {
  const auto& config = client_->config();
  std::string out = "gs://" + config.bucket + "/" + config.root_prefix;
  out += key;
  return out;
}

Result<std::unique_ptr<ObjectStore>> open_gcs_store(std::string_view url, const StoreOptions& options,
                                                    std::shared_ptr<http::Engine> engine) {
  auto config = gcs_config_from_url(url, options);
  if (!config) return std::move(config).error();
  auto provider = gcs_credential_provider(*config, engine, metadata_engine());
  if (!provider) return std::move(provider).error();
  CredentialProviderPtr<BearerCredential> credentials = std::move(*provider);
  auto client = std::make_shared<const GcsClient>(std::move(*config));
  return std::unique_ptr<ObjectStore>(
      std::make_unique<GcsStore>(std::move(client), std::move(credentials), std::move(engine)));
}

}  // namespace tdump::store
