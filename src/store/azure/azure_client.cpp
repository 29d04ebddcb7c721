#include "store/azure/azure_client.hpp"

#include <array>
#include <charconv>
#include <ctime>

#include "store/common/server_text.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"
#include "store/common/xml.hpp"

namespace tdump::store {

std::vector<std::string> credential_secrets(const AzureCredential& credential) {
  std::vector<std::string> out = query_secrets(credential.sas);
  for (const auto* value : {&credential.token, &credential.key_text}) {
    if (!value->empty()) out.push_back(*value);
  }
  return out;
}

Result<std::shared_ptr<const AzureClient>> AzureClient::create(AzureConfig config, std::string credential_source) {
  auto endpoint = parse_url(config.blob_endpoint);
  if (!endpoint) return std::move(endpoint).error();
  std::shared_ptr<AzureClient> client(new AzureClient(std::move(config), std::move(credential_source)));
  client->origin_ = origin(*endpoint);
  client->path_prefix_ = endpoint->path;
  while (!client->path_prefix_.empty() && client->path_prefix_.back() == '/') client->path_prefix_.pop_back();
  return std::shared_ptr<const AzureClient>(std::move(client));
}

void AzureClient::authorise(http::Request& request, std::string_view encoded_path, std::string_view query,
                            const Signed& parts, const AzureCredential* credential) const {
  std::string date = rfc1123_now();
  if (credential != nullptr && credential->kind == AzureCredential::Kind::kSharedKey && credential->signer) {
    std::array<std::pair<std::string_view, std::string_view>, 4> ms;
    std::size_t n = 0;
    ms[n++] = {"x-ms-date", date};
    ms[n++] = {"x-ms-version", kAzureApiVersion};
    if (!parts.range.empty()) ms[n++] = {"x-ms-range", parts.range};
    if (!parts.blob_type.empty()) ms[n++] = {"x-ms-blob-type", parts.blob_type};
    SharedKeyRequest to_sign{request.method,          encoded_path,       query,
                             parts.content_length,    parts.content_type, "",
                             std::span(ms.data(), n), parts.if_none_match};
    request.headers.push_back({"authorization", credential->signer->authorization(to_sign)});
  } else if (credential != nullptr && credential->kind == AzureCredential::Kind::kBearer) {
    request.headers.push_back({"authorization", "Bearer " + credential->token});
  }
  request.headers.push_back({"x-ms-date", std::move(date)});
  request.headers.push_back({"x-ms-version", std::string(kAzureApiVersion)});
  if (credential != nullptr && credential->kind == AzureCredential::Kind::kSas) {
    request.url += query.empty() ? '?' : '&';
    request.url += credential->sas;
  }
}

std::string AzureClient::blob_path(std::string_view key) const {
  std::string path = path_prefix_ + "/";
  percent_encode_append(path, config_.container, false);
  path += '/';
  percent_encode_append(path, config_.root_prefix, true);
  percent_encode_append(path, key, true);
  return path;
}

http::Request AzureClient::read(std::string_view key, ByteRange range, const AzureCredential* credential) const {
  http::Request request;
  std::string path = blob_path(key);
  request.url = origin_ + path;
  request.display_url = request.url;  // before the SAS is appended
  std::string range_value = range_header_value(range);
  authorise(request, path, "", Signed{.range = range_value}, credential);
  request.headers.push_back({"x-ms-range", std::move(range_value)});
  request.max_body_bytes = range_body_cap(range);
  return request;
}

http::Request AzureClient::put(std::string_view key, std::string_view bytes, const AzureCredential* credential,
                               bool if_absent) const {
  constexpr std::string_view kContentType = "application/octet-stream";
  constexpr std::string_view kBlockBlob = "BlockBlob";
  http::Request request;
  request.method = "PUT";
  std::string path = blob_path(key);
  request.url = origin_ + path;
  request.display_url = request.url;  // before the SAS is appended
  request.body.assign(bytes);
  // libcurl sends Content-Length from the body; Shared Key signs the same number.
  std::string length = std::to_string(bytes.size());
  const std::string_view condition = if_absent ? "*" : "";
  authorise(
      request, path, "",
      Signed{
          .content_length = length, .content_type = kContentType, .blob_type = kBlockBlob, .if_none_match = condition},
      credential);
  if (if_absent) request.headers.push_back({"if-none-match", "*"});
  request.headers.push_back({"content-type", std::string(kContentType)});
  request.headers.push_back({"x-ms-blob-type", std::string(kBlockBlob)});
  request.max_body_bytes = 1U << 20;
  return request;
}

http::Request AzureClient::remove(std::string_view key, const AzureCredential* credential) const {
  http::Request request;
  request.method = "DELETE";
  std::string path = blob_path(key);
  request.url = origin_ + path;
  request.display_url = request.url;
  authorise(request, path, "", Signed{}, credential);
  request.max_body_bytes = 1U << 20;
  return request;
}

http::Request AzureClient::list(const PageRequest& page, const AzureCredential* credential) const {
  std::string full_prefix = config_.root_prefix + page.prefix;
  std::vector<std::pair<std::string, std::string>> params = {
      {"restype", "container"}, {"comp", "list"}, {"maxresults", std::to_string(page.page_size)}};
  if (!full_prefix.empty()) params.emplace_back("prefix", std::move(full_prefix));
  if (page.delimiter) params.emplace_back("delimiter", "/");
  if (!page.token.empty()) params.emplace_back("marker", page.token);
  std::string query_text = canonical_query(std::move(params));
  std::string path = path_prefix_ + "/" + percent_encode(config_.container, false);
  http::Request request;
  request.url = origin_ + path + "?" + query_text;
  request.display_url = shorten_query_values(request.url);  // before the SAS; a long marker shortened
  authorise(request, path, query_text, Signed{}, credential);
  request.max_body_bytes = 64U << 20;
  return request;
}

Result<Page> AzureClient::parse_list(std::string_view body) const {
  return parse_list(body, config_.root_prefix);
}

bool AzureClient::already_exists(const http::Response& response) const {
  if (response.status != 409 && response.status != 412) return false;
  const std::string code = parse_error(response).code;
  return code == "BlobAlreadyExists" || code == "ConditionNotMet";
}

bool AzureClient::already_gone(const http::Response& response) const {
  return parse_error(response).code == "BlobNotFound";
}

bool AzureClient::credential_rejected(const http::Response& response) const {
  if (response.status != 401 && response.status != 403) return false;
  // An expired bearer token: 401 InvalidAuthenticationInfo ("Lifetime validation failed").
  const std::string code = parse_error(response).code;
  return code == "InvalidAuthenticationInfo" || code == "AuthenticationFailed";
}

Result<Page> AzureClient::parse_list(std::string_view body, std::string_view strip) {
  pugi::xml_document doc;
  auto parsed = parse_xml(doc, body, "Azure List Blobs response");
  if (!parsed) return std::move(parsed).error();
  auto root = child(doc, "EnumerationResults");
  if (!root) return make_error(ErrorCode::kParse, "Azure listing response has no <EnumerationResults>");
  Page page;
  for (auto blob = child(root, "Blobs").first_child(); blob; blob = blob.next_sibling()) {
    if (local_name(blob) != "Blob") continue;
    auto name_node = child(blob, "Name");
    std::string name = name_node.text().get();
    if (name_node.attribute("Encoded").as_bool()) name = percent_decode(name);  // names with XML-invalid chars
    if (name.size() < strip.size() || std::string_view(name).substr(0, strip.size()) != strip) continue;
    ObjectMeta meta;
    meta.key = name.substr(strip.size());
    auto properties = child(blob, "Properties");
    std::string_view length = child_text(properties, "Content-Length");
    std::uint64_t value = 0;
    if (!length.empty() && std::from_chars(length.data(), length.data() + length.size(), value).ec == std::errc{}) {
      meta.size = value;
    }
    meta.last_modified_us = parse_rfc1123_us(child_text(properties, "Last-Modified"));
    std::string_view etag = child_text(properties, "Etag");
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    meta.etag = std::string(etag);
    page.objects.push_back(std::move(meta));
  }
  for (auto prefix = child(root, "Blobs").first_child(); prefix; prefix = prefix.next_sibling()) {
    if (local_name(prefix) != "BlobPrefix") continue;
    auto name_node = child(prefix, "Name");
    std::string name = name_node.text().get();
    if (name_node.attribute("Encoded").as_bool()) name = percent_decode(name);
    if (name.size() <= strip.size() || std::string_view(name).substr(0, strip.size()) != strip) continue;
    page.common_prefixes.push_back(name.substr(strip.size()));
  }
  page.next_token = std::string(child_text(root, "NextMarker"));
  return page;
}

RemoteError AzureClient::parse_error(const http::Response& response) const {
  RemoteError error = parse_xml_error_body(response.body);
  if (error.code.empty()) {
    if (auto code = response.header("x-ms-error-code")) error.code = std::string(*code);
  }
  const std::string& code = error.code;
  if (code == "ContainerNotFound") {
    error.category = ErrorCode::kNotFound;
    error.message = "container '" + config_.container + "' does not exist in account '" + config_.account + "'";
  } else if (code == "BlobNotFound" || code == "ResourceNotFound") {
    error.category = ErrorCode::kNotFound;
  } else if (code == "AuthorizationFailure" || code == "AuthenticationFailed" ||
             code == "AuthorizationPermissionMismatch" || code == "AuthorizationResourceTypeMismatch" ||
             code == "InsufficientAccountPermissions" || code == "NoAuthenticationInformation" ||
             code == "PublicAccessNotPermitted" || code == "AuthorizationProtocolMismatch") {
    error.category = ErrorCode::kPermissionDenied;
    error.message += (error.message.empty() ? "" : " ") + std::string("(credentials: ") + credential_source_ + ")";
  }
  return error;
}

}  // namespace tdump::store
