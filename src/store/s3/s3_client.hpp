#pragma once
// S3 requests: signed ranged GETs and ListObjectsV2 pages, and the reading of their answers
// (list XML, error XML with S3's codes).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/engine.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"
#include "store/s3/s3_options.hpp"
#include "store/s3/sigv4.hpp"

namespace tdump::store {

class S3Client {
 public:
  explicit S3Client(S3Config config);

  [[nodiscard]] const S3Config& config() const { return config_; }

  // GET of `full_key` (root prefix included) with a Range header, signed unless anonymous.
  [[nodiscard]] http::Request get_request(std::string_view full_key, ByteRange range) const;
  // PutObject of `bytes` (the payload's SHA-256 signed, or UNSIGNED-PAYLOAD with
  // unsigned_payload); DeleteObject. Callers refuse anonymous writes first.
  [[nodiscard]] http::Request put_request(std::string_view full_key, std::string_view bytes) const;
  [[nodiscard]] http::Request delete_request(std::string_view full_key) const;
  // One ListObjectsV2 page.
  [[nodiscard]] http::Request list_request(std::string_view full_prefix, std::size_t page_size,
                                           const std::string& token) const;
  // Parses a ListObjectsV2 body; keys lose `strip` (the root prefix).
  static Result<Page> parse_list(std::string_view body, std::string_view strip);
  // S3 error body -> code, message, category (NoSuchBucket names the bucket).
  [[nodiscard]] RemoteError parse_error(const http::Response& response) const;

  // "GET https://host/bucket/key" for messages (no secrets: S3 keeps them in headers).
  [[nodiscard]] std::string describe(const http::Request& request) const;
  // The credential values a server must never echo into a message (server_text()).
  [[nodiscard]] const std::vector<std::string>& secrets() const { return secrets_; }

 private:
  void sign(http::Request& request, std::string_view canonical_uri, std::string_view canonical_query,
            std::string_view payload_hash = kUnsignedPayload) const;
  // "/bucket/encoded/key" (path style) or "/encoded/key" (virtual-hosted).
  [[nodiscard]] std::string object_path(std::string_view full_key) const;

  S3Config config_;
  std::optional<SigV4Signer> signer_;
  std::vector<std::string> secrets_;
};

}  // namespace tdump::store
