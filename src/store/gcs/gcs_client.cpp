#include "store/gcs/gcs_client.hpp"

#include "store/gcs/gcs_credentials.hpp"

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

GcsClient::GcsClient(GcsConfig config)
    : config_(std::move(config)), encryption_headers_(gcs_encryption_headers(config_)) {}

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
  // An object written with a customer-supplied key is read with the same key (encryption_key).
  request.headers.insert(request.headers.end(), encryption_headers_.begin(), encryption_headers_.end());
  authorise(request, credential);
  request.max_body_bytes = range_body_cap(range);
  return request;
}

http::Request GcsClient::put(std::string_view key, std::string_view bytes, const BearerCredential* credential,
                             bool if_absent) const {
  http::Request request;
  request.method = "POST";
  std::vector<std::pair<std::string, std::string>> params = {{"uploadType", "media"},
                                                             {"name", config_.root_prefix + std::string(key)}};
  // A precondition on the live generation: 0 means "no live object" (GCS's create-only write).
  if (if_absent) params.emplace_back("ifGenerationMatch", "0");
  request.url = config_.endpoint + "/upload/storage/v1/b/" + percent_encode(config_.bucket, false) + "/o?" +
                canonical_query(std::move(params));
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
