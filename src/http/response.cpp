#include <strings.h>

#include "http/engine.hpp"

namespace tdump::http {

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& field : headers) {
    if (field.name.size() == name.size() && strncasecmp(field.name.data(), name.data(), name.size()) == 0) {
      return std::string_view(field.value);
    }
  }
  return std::nullopt;
}

}  // namespace tdump::http
