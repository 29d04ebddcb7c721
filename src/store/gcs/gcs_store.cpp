#include "store/gcs/gcs_store.hpp"

#include "store/common/server_text.hpp"

namespace tdump::store {

GcsStore::GcsStore(GcsConfig config, std::shared_ptr<http::Engine> engine)
    : client_(std::make_shared<GcsClient>(std::move(config), engine)), engine_(std::move(engine)) {}

std::string GcsStore::url_for(std::string_view key) const {
  const auto& config = client_->config();
  std::string out = "gs://" + config.bucket + "/" + config.root_prefix;
  out += key;
  return out;
}

std::unique_ptr<ListStream> GcsStore::list(std::string_view prefix, std::size_t page_size) {
  if (page_size == 0 || page_size > 1000) page_size = 1000;  // the JSON API's maximum
  std::string full_prefix = client_->config().root_prefix + std::string(prefix);
  return make_paged_list(
      [client = client_, engine = engine_, full_prefix, page_size](const std::string& token) -> Result<Page> {
        auto authorization = client->authorization();
        if (!authorization) return std::move(authorization).error();
        http::Request request = client->list_request(full_prefix, page_size, token, *authorization);
        std::string what = "GET " + request.display_url;
        auto secrets = request_secrets(request);
        auto response = engine->execute(std::move(request));
        if (!response) return annotate_transport_error(std::move(response).error(), what);
        if (response->status != 200) return error_from_response(*response, what, &GcsClient::parse_error, secrets);
        if (response->body_capped) return make_error(ErrorCode::kLimit, what + ": listing page larger than 64 MiB");
        return GcsClient::parse_list(response->body, client->config().root_prefix);
      },
      url_for(prefix));
}

void GcsStore::read_range(std::string_view key, ByteRange range, ReadCallback callback) {
  std::string full_key = client_->config().root_prefix + std::string(key);
  client_->with_authorization([client = client_, engine = engine_, full_key = std::move(full_key), range,
                               callback = std::move(callback),
                               what = "GET " + url_for(key)](Result<std::string> authorization) mutable {
    if (!authorization) {
      callback(std::move(authorization).error());
      return;
    }
    http::Request request = client->media_request(full_key, range, *authorization);
    // The Authorization value (moved, not copied) stays with the callback so an error body that
    // echoes the token is redacted.
    engine->submit(std::move(request), [range, callback = std::move(callback), what = std::move(what),
                                        sent = std::move(*authorization)](Result<http::Response> response) {
      if (!response) {
        callback(annotate_transport_error(std::move(response).error(), what));
        return;
      }
      callback(range_read_from_response(std::move(*response), range, what, &GcsClient::parse_error,
                                        std::span<const std::string>(&sent, 1)));
    });
  });
}

Status GcsStore::put_object(std::string_view key, std::string_view bytes) {
  std::string what = "PUT " + url_for(key);
  if (client_->config().auth == GcsConfig::Auth::kAnonymous)
    return anonymous_write_error(what, "skip_signature is set");
  auto authorization = client_->authorization();
  if (!authorization) return std::move(authorization).error();
  auto request = client_->upload_request(client_->config().root_prefix + std::string(key), bytes, *authorization);
  auto secrets = request_secrets(request);
  auto response = engine_->execute(std::move(request));
  return write_status(std::move(response), what, &GcsClient::parse_error, secrets);
}

Status GcsStore::delete_object(std::string_view key) {
  std::string what = "DELETE " + url_for(key);
  if (client_->config().auth == GcsConfig::Auth::kAnonymous)
    return anonymous_write_error(what, "skip_signature is set");
  auto authorization = client_->authorization();
  if (!authorization) return std::move(authorization).error();
  auto request = client_->delete_request(client_->config().root_prefix + std::string(key), *authorization);
  auto secrets = request_secrets(request);
  auto response = engine_->execute(std::move(request));
  // GCS says notFound for a missing object and for a missing bucket alike; only the first is
  // success ("No such object: BUCKET/NAME"; a bucket is "The specified bucket does not exist.").
  if (response && response->status == 404 &&
      GcsClient::parse_error(*response).message.rfind("No such object", 0) == 0) {
    return {};
  }
  return write_status(std::move(response), what, &GcsClient::parse_error, secrets);
}

Result<std::unique_ptr<ObjectStore>> open_gcs_store(std::string_view url, const StoreOptions& options,
                                                    std::shared_ptr<http::Engine> engine) {
  auto config = gcs_config_from_url(url, options);
  if (!config) return std::move(config).error();
  return std::unique_ptr<ObjectStore>(std::make_unique<GcsStore>(std::move(*config), std::move(engine)));
}

}  // namespace tdump::store
