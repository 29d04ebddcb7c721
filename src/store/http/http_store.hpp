#pragma once
// A plain HTTP(S) server as a store: ranged GETs, and listing by WebDAV PROPFIND with
// Depth: 1, recursing into sub-directories (servers such as nginx refuse Depth: infinity).
// Writes are WebDAV PUT and DELETE. A PUT needs its parent collections (RFC 4918 9.7.1; nginx
// without create_full_put_path answers 500, not 409), so the first PUT into a folder sends MKCOL
// for the store's root and each folder above the key first.
#include <memory>
#include <mutex>
#include <set>
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
  Status put_object(std::string_view key, std::string_view bytes) override;
  Status delete_object(std::string_view key) override;

 protected:
  [[nodiscard]] bool urls_are_encoded() const override { return true; }

 private:
  // MKCOL of the root and every collection above `key`, top down, each once per store. Best
  // effort: an existing collection answers 405, a server without MKCOL too; the PUT's answer
  // is what counts.
  void make_parent_collections(std::string_view key);

  std::shared_ptr<const HttpStoreConfig> config_;
  std::shared_ptr<http::Engine> engine_;
  std::mutex collections_mutex_;
  std::set<std::string, std::less<>> collections_;  // folders ("", "a/", "a/b/") known to exist
};

Result<std::unique_ptr<ObjectStore>> open_http_store(std::string_view url, const StoreOptions& options,
                                                     std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
