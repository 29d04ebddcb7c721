#include "common/error.hpp"

#include <fmt/format.h>

namespace tdump {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kNetwork:
      return "network error";
    case ErrorCode::kHttp:
      return "http error";
    case ErrorCode::kParse:
      return "parse error";
    case ErrorCode::kLimit:
      return "limit exceeded";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
}

std::string Error::describe() const {
  std::string out = message;
  if (http_status != 0) out += fmt::format(" (http {})", http_status);
  if (!remote_code.empty()) out += fmt::format(" [{}]", remote_code);
  if (attempts > 1) out += fmt::format(" after {} attempts", attempts);
  return out;
}

}  // namespace tdump
