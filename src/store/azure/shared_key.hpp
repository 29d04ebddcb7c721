#pragma once
// Azure Storage Shared Key authorisation (the Blob service's string-to-sign, version
// 2009-09-19 and later): VERB, the standard headers, the canonicalized x-ms-* headers and
// the canonicalized resource, signed with HMAC-SHA256 under the base64-decoded account key.
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace tdump::store {

struct SharedKeyRequest {
  std::string_view method;
  std::string_view encoded_path;  // the URL path as sent ("/devstoreaccount1/c/a%20b")
  std::string_view query;         // the raw query as sent (without '?'), "" if none
  // Standard headers (empty when absent); Content-Length "" for 0.
  std::string_view content_length;
  std::string_view content_type;
  std::string_view range;
  // x-ms-* headers: lower-case names, any order.
  std::span<const std::pair<std::string_view, std::string_view>> ms_headers;
  std::string_view if_none_match;  // the If-None-Match header ("*" for a create-only write), "" if none
};

class SharedKeySigner {
 public:
  // `account_key` is the base64 key text; a bad key is an error (never echoed).
  static Result<SharedKeySigner> create(std::string account, std::string_view account_key);

  [[nodiscard]] static std::string string_to_sign(std::string_view account, const SharedKeyRequest& request);
  // "SharedKey account:signature"
  [[nodiscard]] std::string authorization(const SharedKeyRequest& request) const;

 private:
  SharedKeySigner(std::string account, std::string key) : account_(std::move(account)), key_(std::move(key)) {}
  std::string account_;
  std::string key_;  // decoded bytes
};

}  // namespace tdump::store
