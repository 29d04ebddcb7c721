#include "store/s3/sigv4.hpp"

namespace tdump::store {

SigV4Signer::SigV4Signer(std::string region, std::string service)
    : region_(std::move(region)), service_(std::move(service)) {}

SigV4Signer::SigV4Signer(AwsCredentials credentials, std::string region, std::string service)
    : credentials_(std::move(credentials)), region_(std::move(region)), service_(std::move(service)) {}

std::string SigV4Signer::canonical_request(const SigV4Request& request) {
  std::string out;
  out.reserve(256 + request.canonical_uri.size() + request.canonical_query.size());
  out += request.method;
  out += '\n';
  out += request.canonical_uri;
  out += '\n';
  out += request.canonical_query;
  out += '\n';
  for (const auto& [name, value] : request.headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '\n';
  bool first = true;
  for (const auto& header : request.headers) {
    if (!first) out += ';';
    out += header.first;
    first = false;
  }
  out += '\n';
  out += request.payload_hash;
  return out;
}

Digest SigV4Signer::signing_key(std::string_view date, std::string_view secret) const {
  std::lock_guard lock(mutex_);
  if (key_date_ != date || key_secret_ != secret) {
    std::string k_secret = "AWS4";
    k_secret += secret;
    Digest k_date = hmac_sha256(k_secret, date);
    Digest k_region = hmac_sha256(as_view(k_date), region_);
    Digest k_service = hmac_sha256(as_view(k_region), service_);
    key_ = hmac_sha256(as_view(k_service), "aws4_request");
    key_date_ = std::string(date);
    key_secret_ = std::string(secret);
  }
  return key_;
}

std::string SigV4Signer::authorization(const SigV4Request& request) const {
  return authorization(request, credentials_.access_key_id, credentials_.secret_access_key);
}

std::string SigV4Signer::authorization(const SigV4Request& request, std::string_view key_id,
                                       std::string_view secret) const {
  std::string_view date = request.amz_date.substr(0, 8);
  std::string scope;
  scope.reserve(64);
  scope += date;
  scope += '/';
  scope += region_;
  scope += '/';
  scope += service_;
  scope += "/aws4_request";

  std::string string_to_sign;
  string_to_sign.reserve(160);
  string_to_sign += "AWS4-HMAC-SHA256\n";
  string_to_sign += request.amz_date;
  string_to_sign += '\n';
  string_to_sign += scope;
  string_to_sign += '\n';
  string_to_sign += hex_encode(sha256(canonical_request(request)));

  Digest key = signing_key(date, secret);
  std::string out;
  out.reserve(200);
  out += "AWS4-HMAC-SHA256 Credential=";
  out += key_id;
  out += '/';
  out += scope;
  out += ",SignedHeaders=";
  bool first = true;
  for (const auto& header : request.headers) {
    if (!first) out += ';';
    out += header.first;
    first = false;
  }
  out += ",Signature=";
  out += hex_encode(hmac_sha256(as_view(key), string_to_sign));
  return out;
}

}  // namespace tdump::store
