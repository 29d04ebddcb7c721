#include "store/s3/s3_store.hpp"

#include "store/s3/aws_credentials.hpp"

namespace tdump::store {

S3Store::S3Store(std::shared_ptr<const S3Client> client, CredentialProviderPtr<AwsCredential> credentials,
                 std::shared_ptr<http::Engine> engine)
    : HttpObjectStore<AwsCredential>(client, std::move(credentials), std::move(engine), "skip_signature is set"),
      client_(std::move(client)) {}

std::string S3Store::url_for(std::string_view key) const {
  const auto& config = client_->config();
  constexpr std::string_view kScheme = "s3://";
  std::string out;
  out.reserve(kScheme.size() + config.bucket.size() + 1 + config.root_prefix.size() + key.size());
  out.append(kScheme).append(config.bucket).append("/").append(config.root_prefix).append(key);
  return out;
}

Result<std::unique_ptr<ObjectStore>> open_s3_store(std::string_view url, const StoreOptions& options,
                                                   std::shared_ptr<http::Engine> engine) {
  auto config = s3_config_from_url(url, options);
  if (!config) return std::move(config).error();
  auto provider = aws_credential_provider(*config->credential_plan, engine);
  if (!provider) return std::move(provider).error();
  CredentialProviderPtr<AwsCredential> credentials = std::move(*provider);
  std::string source = credentials ? credentials->describe() : std::string("anonymous");
  auto client = std::make_shared<const S3Client>(std::move(*config), std::move(source));
  return std::unique_ptr<ObjectStore>(
      std::make_unique<S3Store>(std::move(client), std::move(credentials), std::move(engine)));
}

}  // namespace tdump::store
