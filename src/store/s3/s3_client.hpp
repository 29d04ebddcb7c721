#pragma once
// S3's requests and answers: signed ranged GETs, ListObjectsV2 pages, PutObject and DeleteObject,
// and the reading of list XML and of error XML with S3's codes. The generic HTTP object store
// (store/common/http_object_store.hpp) sends them.
#include <memory>
#include <optional>
#include <string>

#include "http/engine.hpp"
#include "store/common/credential_provider.hpp"
#include "store/common/http_object_store.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"
#include "store/s3/s3_options.hpp"
#include "store/s3/sigv4.hpp"

namespace tdump::store {

class S3Client final : public RequestBuilder<AwsCredential> {
 public:
  // `credential_source` names where credentials come from, for access-denied messages.
  explicit S3Client(S3Config config, std::string credential_source = {});

  [[nodiscard]] const S3Config& config() const { return config_; }

  // GET with a Range header; signed when `credential` is set (PutObject signs the payload's
  // SHA-256 unless unsigned_payload; GETs and DELETEs are UNSIGNED-PAYLOAD).
  [[nodiscard]] http::Request read(std::string_view key, ByteRange range,
                                   const AwsCredential* credential) const override;
  [[nodiscard]] http::Request put(std::string_view key, std::string_view bytes, const AwsCredential* credential,
                                  bool if_absent = false) const override;
  [[nodiscard]] http::Request remove(std::string_view key, const AwsCredential* credential) const override;
  // One ListObjectsV2 page.
  [[nodiscard]] http::Request list(const PageRequest& page, const AwsCredential* credential) const override;
  [[nodiscard]] ListCapabilities list_capabilities() const override { return {true, true}; }
  [[nodiscard]] Result<Page> parse_list(std::string_view body) const override;
  [[nodiscard]] std::size_t max_page_size() const override { return 1000; }  // S3's own maximum
  // S3 error body -> code, message, category (NoSuchBucket names the bucket).
  [[nodiscard]] RemoteError parse_error(const http::Response& response) const override;
  [[nodiscard]] bool already_gone(const http::Response& response) const override;
  [[nodiscard]] bool credential_rejected(const http::Response& response) const override;

  // Parses a ListObjectsV2 body; keys lose `strip` (the root prefix).
  static Result<Page> parse_list(std::string_view body, std::string_view strip);

 private:
  void sign(http::Request& request, std::string_view canonical_uri, std::string_view canonical_query,
            const AwsCredential* credential, std::string_view payload_hash = kUnsignedPayload) const;
  // "/bucket/encoded/key" (path style) or "/encoded/key" (virtual-hosted); `key` is store-relative.
  [[nodiscard]] std::string object_path(std::string_view key) const;

  S3Config config_;
  std::string credential_source_;
  SigV4Signer signer_;
};

}  // namespace tdump::store
