#pragma once
// A plain HTTP(S) server as a store: ranged GETs, and listing by WebDAV PROPFIND with
// Depth: 1, recursing into sub-directories (servers such as nginx refuse Depth: infinity).
#include <memory>
#include <string>

#include "http/engine.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

struct HttpStoreConfig {
  std::string origin;     // "http://127.0.0.1:8080"
  std::string base_path;  // encoded, no trailing '/': "/data" or ""
};

class HttpStore final : public ObjectStore {
 public:
  HttpStore(HttpStoreConfig config, std::shared_ptr<http::Engine> engine);

  [[nodiscard]] std::string_view scheme() const override { return "http"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;
  std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) override;
  void read_range(std::string_view key, ByteRange range, ReadCallback callback) override;

 protected:
  [[nodiscard]] bool urls_are_encoded() const override { return true; }

 private:
  std::shared_ptr<const HttpStoreConfig> config_;
  std::shared_ptr<http::Engine> engine_;
};

Result<std::unique_ptr<ObjectStore>> open_http_store(std::string_view url, const StoreOptions& options,
                                                     std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
