#pragma once
// Error: a category, a human message, and the optional context a failed request carries.
#include <cstdint>
#include <string>
#include <string_view>

namespace tdump {

enum class ErrorCode : std::uint8_t {
  kInvalidArgument,   // bad usage, bad config value, bad URL
  kNotFound,          // missing key, bucket, file
  kPermissionDenied,  // 401/403, wrong credentials
  kIo,                // local read/write failure
  kNetwork,           // connection, timeout, reset, truncated body
  kHttp,              // an HTTP status that is an error and not one of the above
  kParse,             // malformed input (TIFF, XML, JSON)
  kLimit,             // an untrusted size or count over the configured budget
  kUnsupported,
  kCancelled,
  kInternal,
};

[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Filled by the HTTP layer: 0 when no response arrived.
  int http_status = 0;
  // Number of attempts made (1 when there was no retry).
  std::uint32_t attempts = 0;
  // The server's own error code (e.g. S3 "SlowDown", Azure "AuthorizationFailure").
  std::string remote_code;

  [[nodiscard]] std::string describe() const;
};

inline Error make_error(ErrorCode code, std::string message) {
  Error error;
  error.code = code;
  error.message = std::move(message);
  return error;
}

}  // namespace tdump
