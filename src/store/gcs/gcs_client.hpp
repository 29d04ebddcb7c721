#pragma once
// GCS JSON API requests (objects.list pages, media downloads with Range, media uploads,
// objects.delete) and the reading of their answers, plus the OAuth token source for
// credential files.
#include <memory>
#include <string>

#include "http/engine.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"
#include "store/common/token_cache.hpp"
#include "store/gcs/gcs_options.hpp"

namespace tdump::store {

class GcsClient {
 public:
  GcsClient(GcsConfig config, std::shared_ptr<http::Engine> engine);

  [[nodiscard]] const GcsConfig& config() const { return config_; }

  // Calls `use` with the Authorization value ("" when anonymous): inline when available,
  // else once the shared token fetch completes.
  void with_authorization(std::function<void(Result<std::string>)> use) const;
  [[nodiscard]] Result<std::string> authorization() const;  // blocking (lister thread)

  // "ENDPOINT/storage/v1/b/BUCKET/o/OBJECT" (the object name as one encoded path segment).
  [[nodiscard]] std::string object_url(std::string_view full_key) const;
  [[nodiscard]] http::Request media_request(std::string_view full_key, ByteRange range,
                                            const std::string& authorization) const;
  [[nodiscard]] http::Request list_request(std::string_view full_prefix, std::size_t page_size,
                                           const std::string& token, const std::string& authorization) const;
  // objects.insert as a media upload (one request, the whole object) and objects.delete.
  [[nodiscard]] http::Request upload_request(std::string_view full_key, std::string_view bytes,
                                             const std::string& authorization) const;
  [[nodiscard]] http::Request delete_request(std::string_view full_key, const std::string& authorization) const;
  static Result<Page> parse_list(std::string_view body, std::string_view strip);
  static RemoteError parse_error(const http::Response& response);

  [[nodiscard]] std::size_t token_fetches() const { return tokens_ ? tokens_->fetches() : 0; }

 private:
  GcsConfig config_;
  std::shared_ptr<TokenCache> tokens_;  // OAuth only
};

// The token source of a credentials file: each fetch POSTs to its token_uri through `engine`;
// a service account asks for `scope`.
std::shared_ptr<TokenCache> make_google_token_cache(const GoogleCredentials& credentials,
                                                    std::shared_ptr<http::Engine> engine, std::string_view scope);

}  // namespace tdump::store
