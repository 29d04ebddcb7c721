#include "store/http/http_store.hpp"

#include <array>
#include <vector>

#include "store/client_options.hpp"
#include "store/common/http_response.hpp"
#include "store/common/tree_list.hpp"
#include "store/common/url.hpp"
#include "store/http/webdav.hpp"

namespace tdump::store {
namespace {

Result<std::vector<TreeEntry>> propfind(const HttpStoreConfig& config, http::Engine& engine, const std::string& dir) {
  http::Request request;
  request.method = "PROPFIND";
  std::string path = config.base_path + "/";
  percent_encode_append(path, dir, true);
  request.url = config.origin + path;
  request.display_url = request.url;
  request.headers = {{"depth", "1"}, {"content-type", "application/xml; charset=utf-8"}};
  request.body = std::string(propfind_body());
  request.max_body_bytes = 64U << 20;
  std::string what = "PROPFIND " + request.url;
  auto response = engine.execute(std::move(request));
  if (!response) return annotate_transport_error(std::move(response).error(), what);
  if (response->status == 405 || response->status == 501) {
    Error error = error_from_response(*response, what, nullptr);
    error.code = ErrorCode::kUnsupported;
    error.message = what + ": the server does not offer WebDAV listing (PROPFIND); give the keys with --keys FILE";
    return error;
  }
  if (response->status != 207) return error_from_response(*response, what, nullptr);
  if (response->body_capped) return make_error(ErrorCode::kLimit, what + ": listing larger than 64 MiB");
  return parse_multistatus(response->body, percent_decode(path));
}

}  // namespace

HttpStore::HttpStore(HttpStoreConfig config, std::shared_ptr<http::Engine> engine)
    : config_(std::make_shared<const HttpStoreConfig>(std::move(config))), engine_(std::move(engine)) {}

std::string HttpStore::url_for(std::string_view key) const {
  std::string out = config_->origin + config_->base_path + "/";
  percent_encode_append(out, key, true);
  return out;
}

std::unique_ptr<ListStream> HttpStore::list(std::string_view prefix, std::size_t page_size) {
  return make_tree_list(
      [config = config_, engine = engine_](const std::string& dir) { return propfind(*config, *engine, dir); },
      std::string(prefix), page_size);
}

void HttpStore::read_range(std::string_view key, ByteRange range, ReadCallback callback) {
  http::Request request;
  request.url = url_for(key);
  request.display_url = request.url;
  request.headers.push_back({"range", range_header_value(range)});
  request.expected_body_bytes = static_cast<std::size_t>(range.length);
  request.max_body_bytes = range_body_cap(range);
  std::string what = "GET " + request.url;
  engine_->submit(std::move(request),
                  [range, callback = std::move(callback), what = std::move(what)](Result<http::Response> response) {
                    if (!response) {
                      callback(annotate_transport_error(std::move(response).error(), what));
                      return;
                    }
                    callback(range_read_from_response(std::move(*response), range, what, nullptr));
                  });
}

Status HttpStore::put_object(std::string_view key, std::string_view bytes) {
  make_parent_collections(key);
  http::Request request;
  request.method = "PUT";
  request.url = url_for(key);
  request.display_url = request.url;
  request.body.assign(bytes);
  request.headers.push_back({"content-type", "application/octet-stream"});
  request.max_body_bytes = 1U << 20;
  std::string what = "PUT " + request.url;
  return write_status(engine_->execute(std::move(request)), what, nullptr);
}

void HttpStore::make_parent_collections(std::string_view key) {
  // The root (""), then every prefix of the key that ends a folder ("a/", "a/b/").
  std::vector<std::string_view> folders{key.substr(0, 0)};
  for (auto slash = key.find('/'); slash != std::string_view::npos; slash = key.find('/', slash + 1)) {
    folders.push_back(key.substr(0, slash + 1));
  }
  for (auto folder : folders) {
    {
      std::lock_guard lock(collections_mutex_);
      if (collections_.count(folder) != 0) continue;
    }
    http::Request request;
    request.method = "MKCOL";
    request.url = url_for(folder);
    request.display_url = request.url;
    request.max_body_bytes = 1U << 20;
    auto response = engine_->execute(std::move(request));
    if (response && (response->status == 201 || response->status == 405)) {  // made, or already there
      std::lock_guard lock(collections_mutex_);
      collections_.emplace(folder);
    }
  }
}

Status HttpStore::delete_object(std::string_view key) {
  http::Request request;
  request.method = "DELETE";
  request.url = url_for(key);
  request.display_url = request.url;
  request.max_body_bytes = 1U << 20;
  std::string what = "DELETE " + request.url;
  auto response = engine_->execute(std::move(request));
  if (response && (response->status == 404 || response->status == 410)) return {};  // already gone
  return write_status(std::move(response), what, nullptr);
}

Result<std::unique_ptr<ObjectStore>> open_http_store(std::string_view url, const StoreOptions& options,
                                                     std::shared_ptr<http::Engine> engine) {
  std::array<std::span<const OptionKey>, 1> sets{client_option_keys()};
  auto resolved = resolve_options(options, sets, "", "HTTP");
  if (!resolved) return std::move(resolved).error();
  resolved->warn_ignored("HTTP");
  auto parsed = parse_url(url);
  if (!parsed) return std::move(parsed).error();
  if (!parsed->userinfo.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "credentials in an http(s) store URL are not supported (they would end up in outputs)");
  }
  if (!parsed->query.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "an http(s) store URL cannot carry a query string");
  }
  if (parsed->host.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "http(s) store URL '" + std::string(url) + "' has no host");
  }
  HttpStoreConfig config;
  config.origin = origin(*parsed);
  config.base_path = parsed->path;
  while (!config.base_path.empty() && config.base_path.back() == '/') config.base_path.pop_back();
  // Normalise the spelling of the path (decode, re-encode) so url_for() and hrefs agree.
  config.base_path = percent_encode(percent_decode(config.base_path), true);
  return std::unique_ptr<ObjectStore>(std::make_unique<HttpStore>(std::move(config), std::move(engine)));
}

}  // namespace tdump::store
