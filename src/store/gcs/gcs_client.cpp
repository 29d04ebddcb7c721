#include "store/gcs/gcs_client.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

#include "store/common/server_text.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

std::string bearer(const std::string& token) {
  return "Bearer " + token;
}

}  // namespace

std::shared_ptr<TokenCache> make_google_token_cache(const GoogleCredentials& credentials,
                                                    std::shared_ptr<http::Engine> engine, std::string_view scope) {
  auto fetch = [credentials, engine = std::move(engine), scope = std::string(scope)](TokenCache::TokenCallback done) {
    http::Request request;
    request.method = "POST";
    request.url = credentials.token_uri;
    request.display_url = credentials.token_uri;
    request.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    request.max_body_bytes = 1U << 20;
    // What the body carries, never to be echoed back into an error by the token endpoint.
    std::vector<std::string> secrets;
    if (credentials.type == "service_account") {
      auto jwt = make_service_account_jwt(credentials, std::time(nullptr), scope);
      if (!jwt) {
        done(std::move(jwt).error());
        return;
      }
      request.body = jwt_grant_body(*jwt);
      secrets.push_back(std::move(*jwt));
    } else {
      request.body = refresh_grant_body(credentials);
      secrets = {credentials.client_secret, credentials.refresh_token};
    }
    std::string what = "POST " + credentials.token_uri;
    engine->submit(std::move(request),
                   [done = std::move(done), what, secrets = std::move(secrets)](Result<http::Response> response) {
                     if (!response) {
                       done(annotate_transport_error(std::move(response).error(), what));
                       return;
                     }
                     if (response->status != 200) {
                       Error error = error_from_response(
                           *response, what + " (OAuth token)",
                           [](const http::Response& r) {
                             RemoteError remote;
                             auto json = nlohmann::json::parse(r.body, nullptr, false);
                             if (json.is_object()) {
                               if (auto e = json.find("error"); e != json.end() && e->is_string())
                                 remote.code = e->get<std::string>();
                               if (auto d = json.find("error_description"); d != json.end() && d->is_string()) {
                                 remote.message = d->get<std::string>();
                               }
                             }
                             if (r.status == 400 || r.status == 401 || r.status == 403)
                               remote.category = ErrorCode::kPermissionDenied;
                             return remote;
                           },
                           secrets);
                       done(std::move(error));
                       return;
                     }
                     done(parse_token_response(response->body, std::chrono::steady_clock::now()));
                   });
  };
  return std::make_shared<TokenCache>(std::move(fetch));
}

GcsClient::GcsClient(GcsConfig config, std::shared_ptr<http::Engine> engine) : config_(std::move(config)) {
  if (config_.auth == GcsConfig::Auth::kOAuth)
    tokens_ = make_google_token_cache(config_.credentials, std::move(engine), config_.scope);
}

void GcsClient::with_authorization(std::function<void(Result<std::string>)> use) const {
  switch (config_.auth) {
    case GcsConfig::Auth::kAnonymous:
      use(std::string{});
      return;
    case GcsConfig::Auth::kBearerToken:
      use(bearer(config_.bearer_token));
      return;
    case GcsConfig::Auth::kOAuth:
      tokens_->with_token([use = std::move(use)](Result<std::string> token) {
        if (!token) {
          use(std::move(token).error());
        } else {
          use(bearer(*token));
        }
      });
      return;
  }
}

Result<std::string> GcsClient::authorization() const {
  switch (config_.auth) {
    case GcsConfig::Auth::kAnonymous:
      return std::string{};
    case GcsConfig::Auth::kBearerToken:
      return bearer(config_.bearer_token);
    case GcsConfig::Auth::kOAuth: {
      auto token = tokens_->get();
      if (!token) return std::move(token).error();
      return bearer(*token);
    }
  }
  return std::string{};
}

std::string GcsClient::object_url(std::string_view full_key) const {
  std::string url;
  url.reserve(config_.endpoint.size() + config_.bucket.size() + full_key.size() * 3 / 2 + 40);
  url += config_.endpoint;
  url += "/storage/v1/b/";
  percent_encode_append(url, config_.bucket, false);
  url += "/o/";
  percent_encode_append(url, full_key, false);  // object names are one path segment: '/' -> %2F
  return url;
}

http::Request GcsClient::media_request(std::string_view full_key, ByteRange range,
                                       const std::string& authorization) const {
  http::Request request;
  request.url = object_url(full_key);
  request.url += "?alt=media";
  request.display_url = request.url;
  request.headers.push_back({"range", range_header_value(range)});
  if (!authorization.empty()) request.headers.push_back({"authorization", authorization});
  request.expected_body_bytes = static_cast<std::size_t>(range.length);
  request.max_body_bytes = range_body_cap(range);
  return request;
}

http::Request GcsClient::upload_request(std::string_view full_key, std::string_view bytes,
                                        const std::string& authorization) const {
  http::Request request;
  request.method = "POST";
  request.url = config_.endpoint + "/upload/storage/v1/b/" + percent_encode(config_.bucket, false) + "/o?" +
                canonical_query({{"uploadType", "media"}, {"name", std::string(full_key)}});
  request.display_url = request.url;
  request.body.assign(bytes);
  request.headers.push_back({"content-type", "application/octet-stream"});
  if (!authorization.empty()) request.headers.push_back({"authorization", authorization});
  request.max_body_bytes = 1U << 20;  // the object resource JSON, or an error
  return request;
}

http::Request GcsClient::delete_request(std::string_view full_key, const std::string& authorization) const {
  http::Request request;
  request.method = "DELETE";
  request.url = object_url(full_key);
  request.display_url = request.url;
  if (!authorization.empty()) request.headers.push_back({"authorization", authorization});
  request.max_body_bytes = 1U << 20;
  return request;
}

http::Request GcsClient::list_request(std::string_view full_prefix, std::size_t page_size, const std::string& token,
                                      const std::string& authorization) const {
  std::vector<std::pair<std::string, std::string>> params = {{"maxResults", std::to_string(page_size)},
                                                             {"fields", "items(name,size,updated,etag),nextPageToken"}};
  if (!full_prefix.empty()) params.emplace_back("prefix", std::string(full_prefix));
  if (!token.empty()) params.emplace_back("pageToken", token);
  http::Request request;
  request.url = config_.endpoint + "/storage/v1/b/" + percent_encode(config_.bucket, false) + "/o?" +
                canonical_query(std::move(params));
  request.display_url = shorten_query_values(request.url);  // a long page token is not a long message
  if (!authorization.empty()) request.headers.push_back({"authorization", authorization});
  request.max_body_bytes = 64U << 20;
  return request;
}

Result<Page> GcsClient::parse_list(std::string_view body, std::string_view strip) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::kParse, "GCS objects.list response is not a JSON object");
  }
  Page page;
  if (auto items = json.find("items"); items != json.end()) {
    if (!items->is_array()) return make_error(ErrorCode::kParse, "GCS objects.list 'items' is not an array");
    page.objects.reserve(items->size());
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      auto name = item.find("name");
      if (name == item.end() || !name->is_string()) continue;
      const auto& key = name->get_ref<const std::string&>();
      if (key.size() < strip.size() || std::string_view(key).substr(0, strip.size()) != strip) continue;
      ObjectMeta meta;
      meta.key = key.substr(strip.size());
      if (auto size = item.find("size"); size != item.end()) {
        if (size->is_string()) {  // the JSON API sends uint64 values as strings
          const auto& text = size->get_ref<const std::string&>();
          std::uint64_t value = 0;
          if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc{}) meta.size = value;
        } else if (size->is_number_unsigned()) {
          meta.size = size->get<std::uint64_t>();
        }
      }
      if (auto updated = item.find("updated"); updated != item.end() && updated->is_string()) {
        meta.last_modified_us = parse_iso8601_us(updated->get_ref<const std::string&>());
      }
      if (auto etag = item.find("etag"); etag != item.end() && etag->is_string()) meta.etag = etag->get<std::string>();
      page.objects.push_back(std::move(meta));
    }
  }
  if (auto next = json.find("nextPageToken"); next != json.end() && next->is_string()) {
    page.next_token = next->get<std::string>();
  }
  return page;
}

RemoteError GcsClient::parse_error(const http::Response& response) {
  RemoteError remote;
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (!json.is_object()) return remote;
  auto error = json.find("error");
  if (error == json.end() || !error->is_object()) return remote;
  if (auto message = error->find("message"); message != error->end() && message->is_string()) {
    remote.message = message->get<std::string>();
  }
  if (auto errors = error->find("errors"); errors != error->end() && errors->is_array() && !errors->empty()) {
    const auto& first = errors->front();
    if (first.is_object()) {
      if (auto reason = first.find("reason"); reason != first.end() && reason->is_string()) {
        remote.code = reason->get<std::string>();
      }
    }
  }
  if (remote.code.empty()) {
    if (auto status = error->find("status"); status != error->end() && status->is_string()) {
      remote.code = status->get<std::string>();
    }
  }
  return remote;
}

}  // namespace tdump::store
