#include "store/gcs/gcs_client.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

#include "store/common/server_text.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

void authorise(http::Request& request, const BearerCredential* credential) {
  if (credential != nullptr) request.headers.push_back({"authorization", "Bearer " + credential->token});
}

}  // namespace

CredentialProviderPtr<BearerCredential> make_google_token_provider(const GoogleCredentials& credentials,
                                                                   std::shared_ptr<http::Engine> engine,
                                                                   std::string_view scope, std::string source) {
  using Provider = RefreshingCredentialProvider<BearerCredential>;
  auto fetch = [credentials, engine = std::move(engine), scope = std::string(scope)](Provider::FetchDone done) {
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
    engine->submit(std::move(request), [done = std::move(done), what,
                                        secrets = std::move(secrets)](Result<http::Response> response) {
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
                if (auto e = json.find("error"); e != json.end() && e->is_string()) remote.code = e->get<std::string>();
                if (auto d = json.find("error_description"); d != json.end() && d->is_string()) {
                  remote.message = d->get<std::string>();
                }
              }
              if (r.status == 400 || r.status == 401 || r.status == 403) remote.category = ErrorCode::kPermissionDenied;
              return remote;
            },
            secrets);
        done(std::move(error));
        return;
      }
      const auto steady_now = std::chrono::steady_clock::now();
      const auto wall_now = CredentialClock::now();
      auto token = parse_token_response(response->body, steady_now);
      if (!token) {
        done(std::move(token).error());
        return;
      }
      const auto life = token->expires_at - steady_now;
      done(Expiring<BearerCredential>{BearerCredential{std::move(token->value)},
                                      wall_now + std::chrono::duration_cast<CredentialClock::duration>(life)});
    });
  };
  return std::make_shared<Provider>(std::move(fetch), std::move(source));
}

GcsClient::GcsClient(GcsConfig config) : config_(std::move(config)) {}

std::string GcsClient::object_url(std::string_view key) const {
  std::string url;
  url.reserve(config_.endpoint.size() + config_.bucket.size() + config_.root_prefix.size() + key.size() * 3 / 2 + 40);
  url += config_.endpoint;
  url += "/storage/v1/b/";
  percent_encode_append(url, config_.bucket, false);
  url += "/o/";
  // Object names are one path segment: '/' -> %2F.
  percent_encode_append(url, config_.root_prefix, false);
  percent_encode_append(url, key, false);
  return url;
}

http::Request GcsClient::read(std::string_view key, ByteRange range, const BearerCredential* credential) const {
  http::Request request;
  request.url = object_url(key);
  request.url += "?alt=media";
  request.display_url = request.url;
  request.headers.push_back({"range", range_header_value(range)});
  authorise(request, credential);
  request.expected_body_bytes = static_cast<std::size_t>(range.length);
  request.max_body_bytes = range_body_cap(range);
  return request;
}

http::Request GcsClient::put(std::string_view key, std::string_view bytes, const BearerCredential* credential) const {
  http::Request request;
  request.method = "POST";
  request.url = config_.endpoint + "/upload/storage/v1/b/" + percent_encode(config_.bucket, false) + "/o?" +
                canonical_query({{"uploadType", "media"}, {"name", config_.root_prefix + std::string(key)}});
  request.display_url = request.url;
  request.body.assign(bytes);
  request.headers.push_back({"content-type", "application/octet-stream"});
  authorise(request, credential);
  request.max_body_bytes = 1U << 20;  // the object resource JSON, or an error
  return request;
}

http::Request GcsClient::remove(std::string_view key, const BearerCredential* credential) const {
  http::Request request;
  request.method = "DELETE";
  request.url = object_url(key);
  request.display_url = request.url;
  authorise(request, credential);
  request.max_body_bytes = 1U << 20;
  return request;
}

http::Request GcsClient::list(const PageRequest& page, const BearerCredential* credential) const {
  std::string full_prefix = config_.root_prefix + page.prefix;
  std::vector<std::pair<std::string, std::string>> params = {
      {"maxResults", std::to_string(page.page_size)},
      {"fields", "items(name,size,updated,etag),prefixes,nextPageToken"}};
  if (!full_prefix.empty()) params.emplace_back("prefix", std::move(full_prefix));
  if (page.delimiter) params.emplace_back("delimiter", "/");
  // startOffset is inclusive: the lister drops the key equal to it. Sent with every page, as a
  // page token belongs to the query it came from.
  if (!page.start_after.empty()) params.emplace_back("startOffset", config_.root_prefix + page.start_after);
  if (!page.token.empty()) params.emplace_back("pageToken", page.token);
  http::Request request;
  request.url = config_.endpoint + "/storage/v1/b/" + percent_encode(config_.bucket, false) + "/o?" +
                canonical_query(std::move(params));
  request.display_url = shorten_query_values(request.url);  // a long page token is not a long message
  authorise(request, credential);
  request.max_body_bytes = 64U << 20;
  return request;
}

Result<Page> GcsClient::parse_list(std::string_view body) const {
  return parse_list(body, config_.root_prefix);
}

RemoteError GcsClient::parse_error(const http::Response& response) const {
  return parse_json_error(response);
}

bool GcsClient::already_gone(const http::Response& response) const {
  // GCS says notFound for a missing object and for a missing bucket alike; only the first is
  // success ("No such object: BUCKET/NAME"; a bucket is "The specified bucket does not exist.").
  return parse_json_error(response).message.rfind("No such object", 0) == 0;
}

bool GcsClient::credential_rejected(const http::Response& response) const {
  return response.status == 401;  // an expired or revoked access token
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
  if (auto prefixes = json.find("prefixes"); prefixes != json.end() && prefixes->is_array()) {
    for (const auto& item : *prefixes) {
      if (!item.is_string()) continue;
      const auto& prefix = item.get_ref<const std::string&>();
      if (prefix.size() <= strip.size() || std::string_view(prefix).substr(0, strip.size()) != strip) continue;
      page.common_prefixes.push_back(prefix.substr(strip.size()));
    }
  }
  if (auto next = json.find("nextPageToken"); next != json.end() && next->is_string()) {
    page.next_token = next->get<std::string>();
  }
  return page;
}

RemoteError GcsClient::parse_json_error(const http::Response& response) {
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
