#include "store/s3/s3_store.hpp"

#include "store/common/server_text.hpp"

namespace tdump::store {

S3Store::S3Store(S3Config config, std::shared_ptr<http::Engine> engine)
    : client_(std::make_shared<S3Client>(std::move(config))), engine_(std::move(engine)) {}

std::string S3Store::url_for(std::string_view key) const {
  const auto& config = client_->config();
  std::string out = "s3://" + config.bucket + "/" + config.root_prefix;
  out += key;
  return out;
}

std::unique_ptr<ListStream> S3Store::list(std::string_view prefix, std::size_t page_size) {
  if (page_size == 0 || page_size > 1000) page_size = 1000;  // S3's own maximum
  std::string full_prefix = client_->config().root_prefix + std::string(prefix);
  return make_paged_list(
      [client = client_, engine = engine_, full_prefix, page_size](const std::string& token) -> Result<Page> {
        http::Request request = client->list_request(full_prefix, page_size, token);
        std::string what = client->describe(request);
        auto secrets = request_secrets(request);
        auto response = engine->execute(std::move(request));
        if (!response) return annotate_transport_error(std::move(response).error(), what);
        if (response->status != 200) {
          return error_from_response(
              *response, what, [&](const http::Response& r) { return client->parse_error(r); }, secrets);
        }
        if (response->body_capped) return make_error(ErrorCode::kLimit, what + ": listing page larger than 64 MiB");
        return S3Client::parse_list(response->body, client->config().root_prefix);
      },
      url_for(prefix));
}

void S3Store::read_range(std::string_view key, ByteRange range, ReadCallback callback) {
  http::Request request = client_->get_request(client_->config().root_prefix + std::string(key), range);
  engine_->submit(std::move(request), [client = client_, range, callback = std::move(callback),
                                       what = "GET " + url_for(key)](Result<http::Response> response) {
    if (!response) {
      callback(annotate_transport_error(std::move(response).error(), what));
      return;
    }
    callback(range_read_from_response(
        std::move(*response), range, what, [&](const http::Response& r) { return client->parse_error(r); },
        client->secrets()));
  });
}

Status S3Store::put_object(std::string_view key, std::string_view bytes) {
  std::string what = "PUT " + url_for(key);
  if (!client_->config().credentials) return anonymous_write_error(what, "skip_signature is set");
  auto request = client_->put_request(client_->config().root_prefix + std::string(key), bytes);
  auto secrets = request_secrets(request);
  auto response = engine_->execute(std::move(request));
  return write_status(
      std::move(response), what, [&](const http::Response& r) { return client_->parse_error(r); }, secrets);
}

Status S3Store::delete_object(std::string_view key) {
  std::string what = "DELETE " + url_for(key);
  if (!client_->config().credentials) return anonymous_write_error(what, "skip_signature is set");
  auto request = client_->delete_request(client_->config().root_prefix + std::string(key));
  auto secrets = request_secrets(request);
  auto response = engine_->execute(std::move(request));
  auto parse = [&](const http::Response& r) { return client_->parse_error(r); };
  // S3 answers 204 for a missing key; S3-compatible servers may say NoSuchKey. A missing
  // bucket stays an error.
  if (response && response->status == 404 && parse(*response).code == "NoSuchKey") return {};
  return write_status(std::move(response), what, parse, secrets);
}

Result<std::unique_ptr<ObjectStore>> open_s3_store(std::string_view url, const StoreOptions& options,
                                                   std::shared_ptr<http::Engine> engine) {
  auto config = s3_config_from_url(url, options);
  if (!config) return std::move(config).error();
  return std::unique_ptr<ObjectStore>(std::make_unique<S3Store>(std::move(*config), std::move(engine)));
}

}  // namespace tdump::store
