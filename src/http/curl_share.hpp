#pragma once
// Process-wide libcurl initialisation and the engine-wide share handle: one DNS cache and one
// TLS session cache for all loops, so N loops resolve a host once and resume TLS sessions.
#include <curl/curl.h>

#include <array>
#include <mutex>

#include "common/result.hpp"

namespace tdump::http {

// curl_global_init, once per process (never cleaned up: other code may still use libcurl).
[[nodiscard]] Status ensure_curl_initialised();

class CurlShare {
 public:
  CurlShare() = default;
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  ~CurlShare();

  [[nodiscard]] Status init();
  [[nodiscard]] CURLSH* handle() const noexcept { return share_; }

 private:
  static void lock(CURL* easy, curl_lock_data data, curl_lock_access access, void* self);
  static void unlock(CURL* easy, curl_lock_data data, void* self);

  CURLSH* share_ = nullptr;
  // One mutex per kind of shared data, so DNS lookups and TLS session reuse do not contend.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

}  // namespace tdump::http
