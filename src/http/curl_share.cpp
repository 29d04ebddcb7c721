#include "http/curl_share.hpp"

#include <string>

namespace tdump::http {

Status ensure_curl_initialised() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    return make_error(ErrorCode::kInternal, std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
  return {};
}

CurlShare::~CurlShare() {
  if (share_ != nullptr) curl_share_cleanup(share_);
}

Status CurlShare::init() {
  share_ = curl_share_init();
  if (share_ == nullptr) return make_error(ErrorCode::kInternal, "curl_share_init failed");
  bool ok = curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_USERDATA, this) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
            curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK;
  if (!ok) return make_error(ErrorCode::kInternal, "curl_share_setopt failed");
  return {};
}

void CurlShare::lock(CURL* /*easy*/, curl_lock_data data, curl_lock_access /*access*/, void* self) {
  static_cast<CurlShare*>(self)->mutexes_.at(static_cast<std::size_t>(data)).lock();
}

void CurlShare::unlock(CURL* /*easy*/, curl_lock_data data, void* self) {
  static_cast<CurlShare*>(self)->mutexes_.at(static_cast<std::size_t>(data)).unlock();
}

}  // namespace tdump::http
