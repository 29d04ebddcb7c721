#include "cli/store_setup.hpp"

#include <fmt/format.h>

#include "store/client_options.hpp"
#include "store/common/display_key.hpp"

namespace tdump::cli {

Result<std::map<std::string, std::string>> parse_option_flags(const std::vector<std::string>& items) {
  std::map<std::string, std::string> values;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("--option {}: expected KEY=VALUE", item));
    }
    if (!store::is_valid_utf8(item)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--option {}: not valid UTF-8 (the bytes that are not are shown as %XX)",
                                    store::display_key(item)));
    }
    values[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return values;
}

Result<OpenedStore> open_store_for_cli(const std::string& url, const store::StoreOptions& options,
                                       const http::ClientConfig& base) {
  auto client = store::client_config_from_options(options, base, url);
  if (!client) return std::move(client).error();
  auto engine = http::Engine::create(*client);
  if (!engine) return std::move(engine).error();
  OpenedStore opened;
  opened.engine = std::shared_ptr<http::Engine>(std::move(engine).value());
  auto store = store::open_store(url, options, opened.engine);
  if (!store) return std::move(store).error();
  opened.store = std::move(store).value();
  return opened;
}

Result<std::pair<OpenedStore, std::string>> open_object_url(const std::string& url,
                                                            const store::StoreOptions& options) {
  auto scheme_end = url.find("://");
  auto slash = url.rfind('/');
  if (scheme_end == std::string::npos || slash == std::string::npos || slash <= scheme_end + 2 ||
      slash + 1 == url.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: expected the URL of one object (e.g. s3://bucket/path/file.tif)", url));
  }
  auto opened = open_store_for_cli(url.substr(0, slash), options);
  if (!opened) return std::move(opened).error();
  auto key = opened->store->key_for_url(url);
  if (!key || key->empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: not the URL of an object of {}", url, opened->store->url_for("")));
  }
  return std::make_pair(std::move(opened).value(), std::move(*key));
}

}  // namespace tdump::cli
