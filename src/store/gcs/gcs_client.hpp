#pragma once
// GCS JSON API requests (objects.list pages, media downloads with Range, media uploads,
// objects.delete) and the reading of their answers. The generic HTTP object store (store/common/http_object_store.hpp)
// sends them.
#include <memory>
#include <string>

#include "http/engine.hpp"
#include "store/common/credential_provider.hpp"
#include "store/common/http_object_store.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"
#include "store/gcs/gcs_options.hpp"

namespace tdump::store {

class GcsClient final : public RequestBuilder<BearerCredential> {
 public:
  explicit GcsClient(GcsConfig config);

  [[nodiscard]] const GcsConfig& config() const { return config_; }

  // "ENDPOINT/storage/v1/b/BUCKET/o/OBJECT" (the object name as one encoded path segment);
  // `key` is store-relative.
  [[nodiscard]] std::string object_url(std::string_view key) const;
  [[nodiscard]] http::Request read(std::string_view key, ByteRange range,
                                   const BearerCredential* credential) const override;
  // objects.insert as a media upload (one request, the whole object) and objects.delete.
  [[nodiscard]] http::Request put(std::string_view key, std::string_view bytes, const BearerCredential* credential,
                                  bool if_absent = false) const override;
  [[nodiscard]] http::Request remove(std::string_view key, const BearerCredential* credential) const override;
  [[nodiscard]] http::Request list(const PageRequest& page, const BearerCredential* credential) const override;
  [[nodiscard]] ListCapabilities list_capabilities() const override { return {true, true}; }
  [[nodiscard]] Result<Page> parse_list(std::string_view body) const override;
  [[nodiscard]] std::size_t max_page_size() const override { return 1000; }  // the JSON API's maximum
  [[nodiscard]] RemoteError parse_error(const http::Response& response) const override;
  [[nodiscard]] bool already_gone(const http::Response& response) const override;
  [[nodiscard]] bool credential_rejected(const http::Response& response) const override;

  static Result<Page> parse_list(std::string_view body, std::string_view strip);
  static RemoteError parse_json_error(const http::Response& response);

 private:
  GcsConfig config_;
  std::vector<http::HeaderField> encryption_headers_;  // customer-supplied key headers, or none
};

}  // namespace tdump::store
