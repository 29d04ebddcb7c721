#pragma once
// Helpers shared by the store's server tests: an engine with quick retries, listing a whole
// stream, and test-side setup on moto (IAM users, turning signature checks on, bulk uploads).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/engine.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "store/object_store.hpp"

namespace tdump::store::testing {

// An engine whose retries are short, so error paths (moto's 500s...) finish quickly.
std::shared_ptr<http::Engine> quick_engine();

struct Listing {
  std::vector<ObjectMeta> objects;
  std::vector<std::size_t> page_sizes;
  std::optional<Error> error;
  [[nodiscard]] std::vector<std::string> keys() const;
};
Listing list_all(ObjectStore& store, const std::string& prefix, std::size_t page_size);
// The same through list(prefix, ListOptions): parallel requests, a key range.
Listing list_all(ObjectStore& store, const std::string& prefix, const ListOptions& list_options);

// Options with no environment (tests control precedence explicitly) and a given HOME.
StoreOptions options(std::map<std::string, std::string> values, std::map<std::string, std::string> env = {},
                     std::string home = "/nonexistent");

// open_store whose failure is a test failure (the error's description in the message): nullptr then.
std::unique_ptr<ObjectStore> open_or_fail(std::string_view url, const StoreOptions& options,
                                          std::shared_ptr<http::Engine> engine);

// Store options for the test servers, over plain HTTP on 127.0.0.1; `extra` adds or replaces.
// moto_server: its endpoint (or `endpoint`) and the AWS documentation's example key pair (moto
// checks no signature unless asked).
std::map<std::string, std::string> moto_values(const tdump::testing::MotoServer& moto,
                                               const std::map<std::string, std::string>& extra = {},
                                               const std::string& endpoint = {});
// Azurite: the emulator's well-known account and key (Shared Key).
std::map<std::string, std::string> azurite_values(const tdump::testing::AzuriteServer& azurite,
                                                  const std::map<std::string, std::string>& extra = {});
// Our GCS JSON-API server at `endpoint` (credentials come from `extra`).
std::map<std::string, std::string> gcs_values(const std::string& endpoint,
                                              const std::map<std::string, std::string>& extra = {});

struct AwsKeys {
  std::string access_key_id;
  std::string secret_access_key;
};
// Creates an IAM user with s3:* and an access key through moto's IAM API (plain form POSTs).
AwsKeys create_moto_user(const tdump::testing::MotoServer& moto, const std::string& name);
// Turns moto's signature checks on (0) or off ("inf").
void set_moto_auth(const tdump::testing::MotoServer& moto, const std::string& after_actions);
// Uploads many objects over several connections at once.
void put_objects_parallel(const tdump::testing::MotoServer& moto, const std::string& bucket,
                          const std::vector<std::pair<std::string, std::string>>& objects, int threads);

// An object read straight from the server with a plain GET (no store code): from moto (path
// style; signature checks must be off and GetObject public or unchecked), or from Azurite with
// its account SAS.
tdump::testing::SimpleResponse moto_get(const tdump::testing::MotoServer& moto, const std::string& bucket,
                                        const std::string& key);
tdump::testing::SimpleResponse azurite_get(const tdump::testing::AzuriteServer& azurite, const std::string& container,
                                           const std::string& key);

// Hex MD5 of bytes (S3's ETag of a single-part upload), by OpenSSL directly.
std::string md5_hex(std::string_view data);

// `bytes` pseudo-random bytes (every byte value occurs), the same for the same seed: a body
// large enough to show a truncated, repeated or re-ordered upload.
std::string test_payload(std::size_t bytes, std::uint32_t seed);

// Keys that break naive URL building or signing, for write tests (no "//": some servers merge
// slashes in paths, which would be their doing, not ours).
const std::vector<std::string>& awkward_write_keys();

// For every awkward key: a put, an overwrite with a longer body, a delete, and a second delete (a
// missing key is success), each checked through `read_back`, which reads the object by other
// means than the store under test (the server's files, or a plain HTTP GET) and gives nullopt
// when it is absent.
void check_put_overwrite_delete(ObjectStore& store,
                                const std::function<std::optional<std::string>(const std::string& key)>& read_back);

}  // namespace tdump::store::testing
