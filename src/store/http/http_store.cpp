#include "store/http/http_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "http/redirect.hpp"
#include "store/client_options.hpp"
#include "store/common/http_response.hpp"
#include "store/common/server_text.hpp"
#include "store/common/tree_list.hpp"
#include "store/common/url.hpp"
#include "store/http/webdav.hpp"

namespace tdump::store {
namespace {

// Same-origin redirects followed per request; one more is an error.
constexpr std::size_t kMaxRedirects = 5;
// How much of a URL or href a warning quotes.
constexpr std::size_t kMaxQuotedBytes = 512;

// Where a response sends the request next. nullopt: the response is the answer (no redirect,
// or a 3xx without a Location, which the caller reports as a status). A URL: follow it (same
// origin, not visited yet, within kMaxRedirects; `visited` gains it). An Error: refuse, naming
// only the target's origin (never its path, query or userinfo).
Result<std::optional<std::string>> redirect_step(const http::Response& response, std::vector<std::string>& visited,
                                                 std::string_view what) {
  if (!http::is_redirect_status(response.status)) return std::optional<std::string>{};
  auto location = response.header("location");
  if (!location) return std::optional<std::string>{};
  auto refuse = [&](const std::string& why) {
    Error error = make_error(
        ErrorCode::kHttp, std::string(what) + ": the server answered " + std::to_string(response.status) + ", " + why);
    error.http_status = response.status;
    error.attempts = response.attempts;
    return error;
  };
  // effective_url is the URL this response answered (the store's URLs carry no credentials).
  auto target = http::resolve_redirect(response.effective_url, *location);
  if (!target) return refuse("a redirect to an unusable location; not followed");
  if (!target->same_origin) {
    return refuse("a redirect to another origin, " + server_text(target->origin, {}, kServerCodeMaxBytes) +
                  ", which is not followed (only redirects within " +
                  server_text(http::origin_of(response.effective_url), {}, kServerCodeMaxBytes) + " are)");
  }
  if (visited.empty()) visited.push_back(response.effective_url);
  if (std::find(visited.begin(), visited.end(), target->url) != visited.end()) {
    return refuse("a redirect back to a URL already visited (a redirect loop)");
  }
  if (visited.size() > kMaxRedirects) {
    return refuse("a redirect after " + std::to_string(kMaxRedirects) + " redirects already followed; not followed");
  }
  visited.push_back(target->url);
  return std::optional<std::string>(std::move(target->url));
}

// The path part of an absolute URL, decoded ("http://h/a%20b/" -> "/a b/").
std::string decoded_path_of(std::string_view url) {
  auto parsed = parse_url(url);
  return parsed ? percent_decode(parsed->path.empty() ? "/" : parsed->path) : std::string("/");
}

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
  std::vector<std::string> visited;
  std::string answered_url = request.url;  // the URL whose listing the answer is
  Result<http::Response> response = make_error(ErrorCode::kInternal, "no request made");
  for (;;) {
    response = engine.execute(request);  // a copy: a redirect sends it again
    if (!response) return annotate_transport_error(std::move(response).error(), what);
    auto next = redirect_step(*response, visited, what);
    if (!next) return std::move(next).error();
    if (!*next) break;
    request.url = std::move(**next);
    request.display_url = request.url;
    answered_url = request.url;
  }
  if (response->status == 405 || response->status == 501) {
    Error error = error_from_response(*response, what, nullptr);
    error.code = ErrorCode::kUnsupported;
    error.message = what + ": the server does not offer WebDAV listing (PROPFIND); give the keys with --keys FILE";
    return error;
  }
  if (response->status != 207) return error_from_response(*response, what, nullptr);
  if (response->body_capped) return make_error(ErrorCode::kLimit, what + ": listing larger than 64 MiB");
  // After a redirect, the hrefs name the target's members: read them relative to it.
  auto listing = parse_multistatus(response->body, decoded_path_of(answered_url));
  if (!listing) return std::move(listing).error();
  for (const auto& link : listing->back_links) {
    spdlog::warn(
        "listing: {} lists '{}', a collection it is in or is itself, as a member (a loop back into the "
        "walk); skipped",
        server_text(what, {}, kMaxQuotedBytes), server_text(link, {}, kMaxQuotedBytes));
  }
  if (listing->self_identity != std::pair<std::uint64_t, std::uint64_t>{0, 0}) {
    TreeEntry self;  // an empty name: the directory itself (tree_list.hpp)
    self.is_dir = true;
    self.identity = listing->self_identity;
    listing->entries.push_back(std::move(self));
  }
  return std::move(listing->entries);
}

// A ranged GET that follows same-origin redirects (each hop submitted from the engine's
// callback, on its loop thread).
void submit_get(http::Engine* engine, std::string url, ByteRange range, ReadCallback callback, std::string what,
                std::vector<std::string> visited) {
  http::Request request;
  request.url = std::move(url);
  request.display_url = request.url;
  request.headers.push_back({"range", range_header_value(range)});
  request.max_body_bytes = range_body_cap(range);
  engine->submit(std::move(request), [engine, range, callback = std::move(callback), what = std::move(what),
                                      visited = std::move(visited)](Result<http::Response> response) mutable {
    if (!response) {
      callback(annotate_transport_error(std::move(response).error(), what));
      return;
    }
    auto next = redirect_step(*response, visited, what);
    if (!next) {
      callback(std::move(next).error());
      return;
    }
    if (*next) {
      submit_get(engine, std::move(**next), range, std::move(callback), std::move(what), std::move(visited));
      return;
    }
    callback(range_read_from_response(std::move(*response), range, what, nullptr));
  });
}

}  // namespace

HttpStore::HttpStore(HttpStoreConfig config, std::shared_ptr<http::Engine> engine)
    : config_(std::make_shared<const HttpStoreConfig>(std::move(config))), engine_(std::move(engine)) {}

std::string HttpStore::url_for(std::string_view key) const {
  // One allocation (per header, twice: the request and the row): room for a few escapes.
  std::string out;
  out.reserve(config_->origin.size() + config_->base_path.size() + 1 + key.size() + key.size() / 4 + 8);
  out.append(config_->origin).append(config_->base_path).push_back('/');
  percent_encode_append(out, key, true);
  return out;
}

std::unique_ptr<ListStream> HttpStore::list(std::string_view prefix, std::size_t page_size) {
  return make_tree_list(
      [config = config_, engine = engine_](const std::string& dir) { return propfind(*config, *engine, dir); },
      std::string(prefix), page_size);
}

void HttpStore::read_range(std::string_view key, ByteRange range, ReadCallback callback) {
  std::string url = url_for(key);
  std::string what = "GET " + url;
  submit_get(engine_.get(), std::move(url), range, std::move(callback), std::move(what), {});
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
