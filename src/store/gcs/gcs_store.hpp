#pragma once
// The Google Cloud Storage store over the JSON API.
#include <memory>

#include "http/engine.hpp"
#include "store/gcs/gcs_client.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

class GcsStore final : public ObjectStore {
 public:
  GcsStore(GcsConfig config, std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "gs"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;
  std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) override;
  void read_range(std::string_view key, ByteRange range, ReadCallback callback) override;
  Status put_object(std::string_view key, std::string_view bytes) override;
  Status delete_object(std::string_view key) override;

  // OAuth token fetches so far (tests: many concurrent reads share one).
  [[nodiscard]] std::size_t token_fetches() const { return client_->token_fetches(); }

 private:
  std::shared_ptr<const GcsClient> client_;
  std::shared_ptr<http::Engine> engine_;
};

Result<std::unique_ptr<ObjectStore>> open_gcs_store(std::string_view url, const StoreOptions& options,
                                                    std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
