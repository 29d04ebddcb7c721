#pragma once
// Azure Blob requests: Get Blob with x-ms-range, List Blobs pages, Put Blob (block blob, one
// request) and Delete Blob, authorised by Shared Key, SAS or bearer token, and the reading of
// their answers.
#include <optional>
#include <string>
#include <vector>

#include "http/engine.hpp"
#include "store/azure/azure_options.hpp"
#include "store/azure/shared_key.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"

namespace tdump::store {

inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

class AzureClient {
 public:
  static Result<std::shared_ptr<const AzureClient>> create(AzureConfig config);

  [[nodiscard]] const AzureConfig& config() const { return config_; }
  [[nodiscard]] http::Request get_request(std::string_view full_key, ByteRange range) const;
  [[nodiscard]] http::Request list_request(std::string_view full_prefix, std::size_t page_size,
                                           const std::string& marker) const;
  // Put Blob of `bytes` as a block blob; Delete Blob. Callers refuse anonymous writes first.
  [[nodiscard]] http::Request put_request(std::string_view full_key, std::string_view bytes) const;
  [[nodiscard]] http::Request delete_request(std::string_view full_key) const;
  static Result<Page> parse_list(std::string_view body, std::string_view strip);
  [[nodiscard]] RemoteError parse_error(const http::Response& response) const;
  // The credential values a server must never echo into a message (server_text()): the
  // account key, the SAS signature, the bearer token.
  [[nodiscard]] const std::vector<std::string>& secrets() const { return secrets_; }

 private:
  explicit AzureClient(AzureConfig config) : config_(std::move(config)) {}
  // The standard and x-ms-* headers a request carries besides date and version, as signed.
  struct Signed {
    std::string_view content_length;  // "" for none
    std::string_view content_type;
    std::string_view range;      // x-ms-range
    std::string_view blob_type;  // x-ms-blob-type
  };
  // Adds date, version and authorisation; `query` is the query before any SAS.
  void authorise(http::Request& request, std::string_view encoded_path, std::string_view query,
                 const Signed& parts) const;
  // "/devstoreaccount1/container/encoded/key" (the endpoint's path, then container and key).
  [[nodiscard]] std::string blob_path(std::string_view full_key) const;

  AzureConfig config_;
  std::optional<SharedKeySigner> signer_;
  std::string origin_;       // scheme://host[:port] of the blob endpoint
  std::string path_prefix_;  // the endpoint's path ("/devstoreaccount1" for emulators, "" on Azure)
  std::vector<std::string> secrets_;
};

}  // namespace tdump::store
