#pragma once
// The S3 (and S3-compatible) store: the generic HTTP object store over S3's requests
// (ListObjectsV2 pages, signed ranged GETs, PutObject and DeleteObject for an OUT_DIR in a
// bucket), signed with the credential its provider hands out on each request.
#include <memory>

#include "http/engine.hpp"
#include "store/common/http_object_store.hpp"
#include "store/s3/s3_client.hpp"

namespace tdump::store {

class S3Store final : public HttpObjectStore<AwsCredential> {
 public:
  // `credentials` null: anonymous (skip_signature).
  S3Store(std::shared_ptr<const S3Client> client, CredentialProviderPtr<AwsCredential> credentials,
          std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "s3"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;

 private:
  std::shared_ptr<const S3Client> client_;
};

Result<std::unique_ptr<ObjectStore>> open_s3_store(std::string_view url, const StoreOptions& options,
                                                   std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
