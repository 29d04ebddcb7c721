#include "store/azure/azure_store.hpp"

#include "store/common/server_text.hpp"
#include "store/common/url.hpp"

namespace tdump::store {

AzureStore::AzureStore(std::shared_ptr<const AzureClient> client, std::shared_ptr<http::Engine> engine)
    : client_(std::move(client)), engine_(std::move(engine)) {}

std::string AzureStore::url_for(std::string_view key) const {
  const auto& config = client_->config();
  std::string out = config.url_base;
  if (config.url_encoded) {
    percent_encode_append(out, config.root_prefix, true);
    percent_encode_append(out, key, true);
  } else {
    out += config.root_prefix;
    out += key;
  }
  return out;
}

std::unique_ptr<ListStream> AzureStore::list(std::string_view prefix, std::size_t page_size) {
  if (page_size == 0 || page_size > 5000) page_size = 5000;  // List Blobs' maximum
  std::string full_prefix = client_->config().root_prefix + std::string(prefix);
  return make_paged_list(
      [client = client_, engine = engine_, full_prefix, page_size](const std::string& marker) -> Result<Page> {
        http::Request request = client->list_request(full_prefix, page_size, marker);
        std::string what = "GET " + request.display_url;
        auto secrets = request_secrets(request);
        auto response = engine->execute(std::move(request));
        if (!response) return annotate_transport_error(std::move(response).error(), what);
        if (response->status != 200) {
          return error_from_response(
              *response, what, [&](const http::Response& r) { return client->parse_error(r); }, secrets);
        }
        if (response->body_capped) return make_error(ErrorCode::kLimit, what + ": listing page larger than 64 MiB");
        return AzureClient::parse_list(response->body, client->config().root_prefix);
      },
      url_for(prefix), KeyOrder::kUtf16CodeUnits);
}

void AzureStore::read_range(std::string_view key, ByteRange range, ReadCallback callback) {
  http::Request request = client_->get_request(client_->config().root_prefix + std::string(key), range);
  std::string what = "GET " + request.display_url;
  engine_->submit(std::move(request), [client = client_, range, callback = std::move(callback),
                                       what = std::move(what)](Result<http::Response> response) {
    if (!response) {
      callback(annotate_transport_error(std::move(response).error(), what));
      return;
    }
    callback(range_read_from_response(
        std::move(*response), range, what, [&](const http::Response& r) { return client->parse_error(r); },
        client->secrets()));
  });
}

Status AzureStore::put_object(std::string_view key, std::string_view bytes) {
  std::string what = "PUT " + url_for(key);
  if (client_->config().auth == AzureConfig::Auth::kAnonymous)
    return anonymous_write_error(what, "no account key, SAS or token");
  auto request = client_->put_request(client_->config().root_prefix + std::string(key), bytes);
  auto secrets = request_secrets(request);
  auto response = engine_->execute(std::move(request));
  return write_status(
      std::move(response), what, [&](const http::Response& r) { return client_->parse_error(r); }, secrets);
}

Status AzureStore::delete_object(std::string_view key) {
  std::string what = "DELETE " + url_for(key);
  if (client_->config().auth == AzureConfig::Auth::kAnonymous)
    return anonymous_write_error(what, "no account key, SAS or token");
  auto request = client_->delete_request(client_->config().root_prefix + std::string(key));
  auto secrets = request_secrets(request);
  auto response = engine_->execute(std::move(request));
  auto parse = [&](const http::Response& r) { return client_->parse_error(r); };
  if (response && response->status == 404 && parse(*response).code == "BlobNotFound") return {};  // already gone
  return write_status(std::move(response), what, parse, secrets);
}

Result<std::unique_ptr<ObjectStore>> open_azure_store(std::string_view url, const StoreOptions& options,
                                                      std::shared_ptr<http::Engine> engine) {
  auto config = azure_config_from_url(url, options);
  if (!config) return std::move(config).error();
  auto client = AzureClient::create(std::move(*config));
  if (!client) return std::move(client).error();
  return std::unique_ptr<ObjectStore>(std::make_unique<AzureStore>(std::move(*client), std::move(engine)));
}

}  // namespace tdump::store
