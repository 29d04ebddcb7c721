#pragma once
// Azure Blob requests: Get Blob with x-ms-range, List Blobs pages, Put Blob (block blob, one
// request) and Delete Blob, authorised by the credential of each request (Shared Key, SAS or
// bearer token), and the reading of their answers. The generic HTTP object store
// (store/common/http_object_store.hpp) sends them.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/engine.hpp"
#include "store/azure/azure_options.hpp"
#include "store/azure/shared_key.hpp"
#include "store/common/credential_provider.hpp"
#include "store/common/http_object_store.hpp"
#include "store/common/http_response.hpp"
#include "store/common/paged_list.hpp"

namespace tdump::store {

inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

// How one Azure request is authorised.
struct AzureCredential {
  enum class Kind : std::uint8_t { kSharedKey, kSas, kBearer };
  Kind kind = Kind::kBearer;
  std::shared_ptr<const SharedKeySigner> signer;  // kSharedKey
  std::string sas;                                // kSas: the query string, without '?'
  std::string token;                              // kBearer: an Azure AD access token
  std::string key_text;                           // kSharedKey: the base64 key (for redaction only)
};

// The values of an Azure credential a server must never echo (server_text()).
std::vector<std::string> credential_secrets(const AzureCredential& credential);

class AzureClient final : public RequestBuilder<AzureCredential> {
 public:
  static Result<std::shared_ptr<const AzureClient>> create(AzureConfig config, std::string credential_source = {});

  [[nodiscard]] const AzureConfig& config() const { return config_; }
  [[nodiscard]] http::Request read(std::string_view key, ByteRange range,
                                   const AzureCredential* credential) const override;
  // Put Blob of `bytes` as a block blob; Delete Blob.
  [[nodiscard]] http::Request put(std::string_view key, std::string_view bytes, const AzureCredential* credential,
                                  bool if_absent = false) const override;
  // Put Blob with If-None-Match: * on an existing blob: 409 BlobAlreadyExists (or 412).
  [[nodiscard]] bool already_exists(const http::Response& response) const override;
  [[nodiscard]] http::Request remove(std::string_view key, const AzureCredential* credential) const override;
  [[nodiscard]] http::Request list(const PageRequest& page, const AzureCredential* credential) const override;
  // List Blobs has a delimiter but no way to start after an arbitrary name (its marker is opaque).
  // Azurite (Microsoft's emulator) lists in UTF-16 code-unit order (paged_list.hpp KeyOrder).
  [[nodiscard]] ListCapabilities list_capabilities() const override { return {true, false, KeyOrder::kUtf16CodeUnits}; }
  [[nodiscard]] Result<Page> parse_list(std::string_view body) const override;
  [[nodiscard]] std::size_t max_page_size() const override { return 5000; }  // List Blobs' maximum
  [[nodiscard]] RemoteError parse_error(const http::Response& response) const override;
  [[nodiscard]] bool already_gone(const http::Response& response) const override;
  [[nodiscard]] bool credential_rejected(const http::Response& response) const override;

  static Result<Page> parse_list(std::string_view body, std::string_view strip);

 private:
  AzureClient(AzureConfig config, std::string credential_source)
      : config_(std::move(config)), credential_source_(std::move(credential_source)) {}
  // The standard and x-ms-* headers a request carries besides date and version, as signed.
  struct Signed {
    std::string_view content_length;  // "" for none
    std::string_view content_type;
    std::string_view range;      // x-ms-range
    std::string_view blob_type;  // x-ms-blob-type
    std::string_view if_none_match;
  };
  // Adds date, version and authorisation; `query` is the query before any SAS.
  void authorise(http::Request& request, std::string_view encoded_path, std::string_view query, const Signed& parts,
                 const AzureCredential* credential) const;
  // "/devstoreaccount1/container/encoded/key" (the endpoint's path, then container, root and key).
  [[nodiscard]] std::string blob_path(std::string_view key) const;

  AzureConfig config_;
  std::string credential_source_;
  std::string origin_;       // scheme://host[:port] of the blob endpoint
  std::string path_prefix_;  // the endpoint's path ("/devstoreaccount1" for emulators, "" on Azure)
};

}  // namespace tdump::store
