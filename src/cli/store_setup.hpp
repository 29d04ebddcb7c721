#pragma once
// What every command that reads a store needs from the command line: `-o KEY=VALUE` options,
// and an engine + store built from a URL and those options.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/object_store.hpp"

namespace tdump::cli {

// `KEY=VALUE` strings into a map; an item without '=' names itself in the error.
Result<std::map<std::string, std::string>> parse_option_flags(const std::vector<std::string>& items);

struct OpenedStore {
  std::shared_ptr<http::Engine> engine;
  std::unique_ptr<store::ObjectStore> store;
};

// Builds the engine from the store's client options (on top of `base`), then the store.
Result<OpenedStore> open_store_for_cli(const std::string& url, const store::StoreOptions& options,
                                       const http::ClientConfig& base = {});

// Splits the URL of one object into the store it lives in and its key: the store is the URL up
// to the last '/', the key what follows (decoded as that store spells keys in URLs).
Result<std::pair<OpenedStore, std::string>> open_object_url(const std::string& url, const store::StoreOptions& options);

}  // namespace tdump::cli
