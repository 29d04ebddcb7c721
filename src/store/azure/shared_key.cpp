#include "store/azure/shared_key.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "store/common/crypto.hpp"
#include "store/common/url.hpp"

namespace tdump::store {

Result<SharedKeySigner> SharedKeySigner::create(std::string account, std::string_view account_key) {
  auto key = base64_decode(account_key);
  if (!key || key->empty()) {
    return make_error(ErrorCode::kInvalidArgument, "the Azure account key is not valid base64");
  }
  return SharedKeySigner(std::move(account), std::move(*key));
}

std::string SharedKeySigner::string_to_sign(std::string_view account, const SharedKeyRequest& request) {
  std::string out;
  out.reserve(256 + request.encoded_path.size() + request.query.size());
  out += request.method;
  out += '\n';
  out += '\n';  // Content-Encoding
  out += '\n';  // Content-Language
  out += request.content_length == "0" ? std::string_view{} : request.content_length;
  out += '\n';
  out += '\n';  // Content-MD5
  out += request.content_type;
  out += '\n';
  out += '\n';  // Date (x-ms-date is used instead)
  out += '\n';  // If-Modified-Since
  out += '\n';  // If-Match
  out += request.if_none_match;
  out += '\n';
  out += '\n';  // If-Unmodified-Since
  out += request.range;
  out += '\n';
  std::vector<std::pair<std::string_view, std::string_view>> headers(request.ms_headers.begin(),
                                                                     request.ms_headers.end());
  std::sort(headers.begin(), headers.end());
  for (const auto& [name, value] : headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '/';
  out += account;
  out += request.encoded_path.empty() ? std::string_view("/") : request.encoded_path;
  if (!request.query.empty()) {
    // Parameter names lower-cased and sorted; values decoded, several values comma-joined.
    std::map<std::string, std::vector<std::string>> params;
    for (auto& [name, value] : split_query(request.query)) params[ascii_lower(name)].push_back(std::move(value));
    for (auto& [name, values] : params) {
      std::sort(values.begin(), values.end());
      out += '\n';
      out += name;
      out += ':';
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) out += ',';
        out += values[i];
      }
    }
  }
  return out;
}

std::string SharedKeySigner::authorization(const SharedKeyRequest& request) const {
  std::string signature = base64_encode(as_view(hmac_sha256(key_, string_to_sign(account_, request))));
  return "SharedKey " + account_ + ":" + signature;
}

}  // namespace tdump::store
