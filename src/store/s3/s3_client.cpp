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

constexpr std::string_view kSseCAlgorithm = "x-amz-server-side-encryption-customer-algorithm";
constexpr std::string_view kSseCKey = "x-amz-server-side-encryption-customer-key";
constexpr std::string_view kSseCKeyMd5 = "x-amz-server-side-encryption-customer-key-md5";

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

}  // namespace

S3Client::S3Client(S3Config config, std::string credential_source)
    : config_(std::move(config)), credential_source_(std::move(credential_source)), signer_(config_.region, "s3") {}

void S3Client::sign(http::Request& request, std::string_view canonical_uri, std::string_view canonical_query,
                    const AwsCredential* credential, std::string_view payload_hash, bool sse_c) const {
  if (config_.request_payer) request.headers.push_back({"x-amz-request-payer", "requester"});
  // SSE-C (the S3 user guide, "Using server-side encryption with customer-provided keys"): the
  // algorithm, the key and its MD5 on every read of an object stored with that key.
  sse_c = sse_c && !config_.sse_customer_key_base64.empty();
  if (sse_c) {
    request.headers.push_back({std::string(kSseCAlgorithm), "AES256"});
    request.headers.push_back({std::string(kSseCKey), config_.sse_customer_key_base64});
    request.headers.push_back({std::string(kSseCKeyMd5), config_.sse_customer_key_md5_base64});
  }
  if (credential == nullptr) return;
  std::string amz_date = amz_date_now();
  const std::string& token = credential->token;
  // Sorted by name, as SigV4 requires; S3 refuses x-amz-* headers that are not signed.
  std::array<SignedHeader, 8> headers;
  std::size_t n = 0;
  headers[n++] = {"host", config_.host};
  headers[n++] = {"x-amz-content-sha256", payload_hash};
  headers[n++] = {"x-amz-date", amz_date};
  if (config_.request_payer) headers[n++] = {"x-amz-request-payer", "requester"};
  if (!token.empty()) headers[n++] = {"x-amz-security-token", token};
  if (sse_c) {
    headers[n++] = {kSseCAlgorithm, "AES256"};
    headers[n++] = {kSseCKey, config_.sse_customer_key_base64};
    headers[n++] = {kSseCKeyMd5, config_.sse_customer_key_md5_base64};
  }
  SigV4Request to_sign{request.method, canonical_uri, canonical_query, std::span(headers.data(), n),
                       payload_hash,   amz_date};
  request.headers.push_back(
      {"authorization", signer_.authorization(to_sign, credential->key_id, credential->secret_key)});
  request.headers.push_back({"x-amz-content-sha256", std::string(payload_hash)});
  request.headers.push_back({"x-amz-date", std::move(amz_date)});
  if (!token.empty()) request.headers.push_back({"x-amz-security-token", token});
}

std::string S3Client::object_path(std::string_view key) const {
  std::string path;
  path.reserve(config_.base_path.size() + config_.root_prefix.size() + key.size() * 3 / 2 + 2);
  path += config_.base_path;
  path += '/';
  percent_encode_append(path, config_.root_prefix, true);
  percent_encode_append(path, key, true);
  return path;
}

http::Request S3Client::read(std::string_view key, ByteRange range, const AwsCredential* credential) const {
  http::Request request;
  request.method = "GET";
  std::string path = object_path(key);
  request.url.reserve(config_.origin.size() + path.size());
  request.url += config_.origin;
  request.url += path;
  request.headers.reserve(6);
  request.headers.push_back({"range", range_header_value(range)});
  sign(request, path, "", credential, kUnsignedPayload, true);
  request.max_body_bytes = range_body_cap(range);
  request.display_url = request.url;
  return request;
}

http::Request S3Client::put(std::string_view key, std::string_view bytes, const AwsCredential* credential,
                            bool if_absent) const {
  http::Request request;
  request.method = "PUT";
  std::string path = object_path(key);
  request.url = config_.origin + path;
  request.display_url = request.url;
  request.body.assign(bytes);
  request.headers.reserve(8);
  request.headers.push_back({"content-type", "application/octet-stream"});
  // A conditional write: S3 answers 412 PreconditionFailed when the key exists.
  if (if_absent) request.headers.push_back({"if-none-match", "*"});
  // S3 checks a signed payload hash against the body it received: a body damaged on the way
  // is refused instead of stored.
  std::string payload_hash = config_.unsigned_payload ? std::string(kUnsignedPayload) : hex_encode(sha256(bytes));
  sign(request, path, "", credential, payload_hash);
  request.max_body_bytes = 1U << 20;  // the answer is empty or a small XML error
  return request;
}

http::Request S3Client::remove(std::string_view key, const AwsCredential* credential) const {
  http::Request request;
  request.method = "DELETE";
  std::string path = object_path(key);
  request.url = config_.origin + path;
  request.display_url = request.url;
  sign(request, path, "", credential, kEmptyPayloadSha256);
  request.max_body_bytes = 1U << 20;
  return request;
}

http::Request S3Client::list(const PageRequest& page, const AwsCredential* credential) const {
  std::string full_prefix = config_.root_prefix + page.prefix;
  std::vector<std::pair<std::string, std::string>> params = {
      {"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(page.page_size)}};
  if (!full_prefix.empty()) params.emplace_back("prefix", std::move(full_prefix));
  if (page.delimiter) params.emplace_back("delimiter", "/");
  if (!page.token.empty()) {
    params.emplace_back("continuation-token", page.token);
  } else if (!page.start_after.empty()) {
    params.emplace_back("start-after", config_.root_prefix + page.start_after);
  }
  std::string query_text = canonical_query(std::move(params));
  std::string path = config_.base_path.empty() ? "/" : config_.base_path;
  http::Request request;
  request.method = "GET";
  request.url = config_.origin + path + "?" + query_text;
  sign(request, path, query_text, credential);
  request.max_body_bytes = 64U << 20;                       // a 1000-key page is ~300 KB; refuse absurd bodies
  request.display_url = shorten_query_values(request.url);  // a long token is not a long message
  return request;
}

Result<Page> S3Client::parse_list(std::string_view body) const {
  return parse_list(body, config_.root_prefix);
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
  for (auto node = root.first_child(); node; node = node.next_sibling()) {
    if (local_name(node) != "CommonPrefixes") continue;
    std::string prefix(child_text(node, "Prefix"));
    if (url_encoded) prefix = percent_decode(prefix, true);
    if (prefix.size() <= strip.size() || std::string_view(prefix).substr(0, strip.size()) != strip) continue;
    page.common_prefixes.push_back(prefix.substr(strip.size()));
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
    if (!credential_source_.empty() && credential_source_ != "anonymous") {
      error.message += error.message.empty() ? "" : " ";
      error.message += "(credentials from " + credential_source_ + ")";
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

bool S3Client::already_gone(const http::Response& response) const {
  // S3 answers 204 for a missing key; S3-compatible servers may say NoSuchKey. A missing
  // bucket stays an error.
  return parse_error(response).code == "NoSuchKey";
}

bool S3Client::credential_rejected(const http::Response& response) const {
  if (response.status != 400 && response.status != 403) return false;
  const std::string code = parse_xml_error_body(response.body).code;
  return code == "ExpiredToken" || code == "TokenRefreshRequired" || code == "InvalidToken" || code == "RequestExpired";
}

}  // namespace tdump::store
