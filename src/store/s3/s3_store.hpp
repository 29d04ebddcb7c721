#pragma once
// The S3 (and S3-compatible) store: ListObjectsV2 pages and signed ranged GETs over the engine;
// PutObject and DeleteObject for an OUT_DIR in a bucket.
#include <memory>

#include "http/engine.hpp"
#include "store/object_store.hpp"
#include "store/s3/s3_client.hpp"

namespace tdump::store {

class S3Store final : public ObjectStore {
 public:
  S3Store(S3Config config, std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "s3"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;
  std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) override;
  void read_range(std::string_view key, ByteRange range, ReadCallback callback) override;
  Status put_object(std::string_view key, std::string_view bytes) override;
  Status delete_object(std::string_view key) override;

 private:
  std::shared_ptr<const S3Client> client_;  // shared with callbacks in flight
  std::shared_ptr<http::Engine> engine_;
};

Result<std::unique_ptr<ObjectStore>> open_s3_store(std::string_view url, const StoreOptions& options,
                                                   std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
