#include "store/s3/s3_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

#include "store/common/server_text.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"
#include "store/common/xml.hpp"

namespace tdump::store {
namespace {

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

}  // namespace

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  if (config_.credentials) {
    signer_.emplace(*config_.credentials, config_.region, "s3");
    for (const auto* value : {&config_.credentials->secret_access_key, &config_.credentials->session_token}) {
      if (!value->empty()) secrets_.push_back(*value);
    }
  }
}

void S3Client::sign(http::Request& request, std::string_view canonical_uri, std::string_view canonical_query,
                    std::string_view payload_hash) const {
  if (config_.request_payer) request.headers.push_back({"x-amz-request-payer", "requester"});
  if (!signer_) return;
  std::string amz_date = amz_date_now();
  const auto& token = signer_->credentials().session_token;
  // Sorted by name, as SigV4 requires.
  std::array<SignedHeader, 5> headers;
  std::size_t n = 0;
  headers[n++] = {"host", config_.host};
  headers[n++] = {"x-amz-content-sha256", payload_hash};
  headers[n++] = {"x-amz-date", amz_date};
  if (config_.request_payer) headers[n++] = {"x-amz-request-payer", "requester"};
  if (!token.empty()) headers[n++] = {"x-amz-security-token", token};
  SigV4Request to_sign{request.method, canonical_uri, canonical_query, std::span(headers.data(), n),
                       payload_hash,   amz_date};
  request.headers.push_back({"authorization", signer_->authorization(to_sign)});
  request.headers.push_back({"x-amz-content-sha256", std::string(payload_hash)});
  request.headers.push_back({"x-amz-date", std::move(amz_date)});
  if (!token.empty()) request.headers.push_back({"x-amz-security-token", token});
}

http::Request S3Client::get_request(std::string_view full_key, ByteRange range) const {
  http::Request request;
  request.method = "GET";
  std::string path;
  path.reserve(config_.base_path.size() + full_key.size() * 3 / 2 + 2);
  path += config_.base_path;
  path += '/';
  percent_encode_append(path, full_key, true);
  request.url.reserve(config_.origin.size() + path.size());
  request.url += config_.origin;
  request.url += path;
  request.headers.reserve(6);
  request.headers.push_back({"range", range_header_value(range)});
  sign(request, path, "");
  request.expected_body_bytes = static_cast<std::size_t>(range.length);
  request.max_body_bytes = range_body_cap(range);
  request.display_url = request.url;
  return request;
}

std::string S3Client::object_path(std::string_view full_key) const {
  std::string path;
  path.reserve(config_.base_path.size() + full_key.size() * 3 / 2 + 2);
  path += config_.base_path;
  path += '/';
  percent_encode_append(path, full_key, true);
  return path;
}

http::Request S3Client::put_request(std::string_view full_key, std::string_view bytes) const {
  http::Request request;
  request.method = "PUT";
  std::string path = object_path(full_key);
  request.url = config_.origin + path;
  request.display_url = request.url;
  request.body.assign(bytes);
  request.headers.reserve(8);
  request.headers.push_back({"content-type", "application/octet-stream"});
  // S3 checks a signed payload hash against the body it received: a body damaged on the way
  // is refused instead of stored.
  std::string payload_hash = config_.unsigned_payload ? std::string(kUnsignedPayload) : hex_encode(sha256(bytes));
  sign(request, path, "", payload_hash);
  request.max_body_bytes = 1U << 20;  // the answer is empty or a small XML error
  return request;
}

http::Request S3Client::delete_request(std::string_view full_key) const {
  http::Request request;
  request.method = "DELETE";
  std::string path = object_path(full_key);
  request.url = config_.origin + path;
  request.display_url = request.url;
  sign(request, path, "", kEmptyPayloadSha256);
  request.max_body_bytes = 1U << 20;
  return request;
}

http::Request S3Client::list_request(std::string_view full_prefix, std::size_t page_size,
                                     const std::string& token) const {
  std::vector<std::pair<std::string, std::string>> params = {
      {"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(page_size)}};
  if (!full_prefix.empty()) params.emplace_back("prefix", std::string(full_prefix));
  if (!token.empty()) params.emplace_back("continuation-token", token);
  std::string query = canonical_query(std::move(params));
  std::string path = config_.base_path.empty() ? "/" : config_.base_path;
  http::Request request;
  request.method = "GET";
  request.url = config_.origin + path + "?" + query;
  sign(request, path, query);
  request.max_body_bytes = 64U << 20;                       // a 1000-key page is ~300 KB; refuse absurd bodies
  request.display_url = shorten_query_values(request.url);  // a long token is not a long message
  return request;
}

Result<Page> S3Client::parse_list(std::string_view body, std::string_view strip) {
  pugi::xml_document doc;
  auto parsed = parse_xml(doc, body, "S3 ListObjectsV2 response");
  if (!parsed) return std::move(parsed).error();
  auto root = child(doc, "ListBucketResult");
  if (!root) return make_error(ErrorCode::kParse, "S3 listing response has no <ListBucketResult>");
  bool url_encoded = child_text(root, "EncodingType") == "url";
  Page page;
  for (auto node = root.first_child(); node; node = node.next_sibling()) {
    if (local_name(node) != "Contents") continue;
    std::string key(child_text(node, "Key"));
    if (url_encoded) key = percent_decode(key, true);
    if (key.size() < strip.size() || std::string_view(key).substr(0, strip.size()) != strip) continue;
    ObjectMeta meta;
    meta.key = key.substr(strip.size());
    std::string_view size = child_text(node, "Size");
    std::uint64_t value = 0;
    if (!size.empty() && std::from_chars(size.data(), size.data() + size.size(), value).ec == std::errc{}) {
      meta.size = value;
    }
    meta.last_modified_us = parse_iso8601_us(child_text(node, "LastModified"));
    meta.etag = strip_quotes(child_text(node, "ETag"));
    page.objects.push_back(std::move(meta));
  }
  if (child_text(root, "IsTruncated") == "true") {
    page.next_token = std::string(child_text(root, "NextContinuationToken"));
    if (page.next_token.empty()) {
      return make_error(ErrorCode::kParse, "S3 listing is truncated but has no NextContinuationToken");
    }
  }
  return page;
}

RemoteError S3Client::parse_error(const http::Response& response) const {
  RemoteError error = parse_xml_error_body(response.body);
  if (error.code == "NoSuchKey") {
    error.category = ErrorCode::kNotFound;
  } else if (error.code == "NoSuchBucket") {
    error.category = ErrorCode::kNotFound;
    error.message = "bucket '" + config_.bucket + "' does not exist";
  } else if (error.code == "AccessDenied" || error.code == "SignatureDoesNotMatch" ||
             error.code == "InvalidAccessKeyId" || error.code == "ExpiredToken" || error.code == "InvalidToken" ||
             error.code == "AllAccessDisabled" || error.code == "AccountProblem") {
    error.category = ErrorCode::kPermissionDenied;
    if (config_.credentials) {
      error.message += error.message.empty() ? "" : " ";
      error.message += "(credentials from " + config_.credentials_source + ")";
    } else {
      error.message += error.message.empty() ? "" : " ";
      error.message += "(anonymous request: skip_signature is set)";
    }
  }
  // S3 answers a request to the wrong region with 301 PermanentRedirect (or 307 / 400) and this
  // header; only a plausible region name is repeated (it is server text).
  if (auto region = response.header("x-amz-bucket-region");
      region && *region != config_.region && !region->empty() && region->size() <= 64 &&
      std::all_of(region->begin(), region->end(),
                  [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; })) {
    error.message += " (the bucket is in region " + std::string(*region) + ": set region=" + std::string(*region) + ")";
  }
  return error;
}

std::string S3Client::describe(const http::Request& request) const {
  return request.method + " " + (request.display_url.empty() ? request.url : request.display_url);
}

}  // namespace tdump::store
