#pragma once
// The store interface every backend implements (S3, GCS, Azure, HTTP/WebDAV, local).
// CONTRACT shared by src/dump and src/cli; modelled on object_store's split: a URL + options
// build a store; a store lists and reads ranges; signing lives behind it.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tdump::http {
class Engine;
}

namespace tdump::store {

class KeyShape;  // store/common/key_shape.hpp

struct ObjectMeta {
  std::string key;  // relative to the store root (bucket/container/base URL/folder), no leading '/'
  std::optional<std::uint64_t> size;
  std::optional<std::int64_t> last_modified_us;  // microseconds since the Unix epoch, UTC
  std::string etag;                              // as the server sent it, quotes stripped
};

struct ListPage {
  std::vector<ObjectMeta> objects;
  // The listing knows no page follows this one (the service sent no continuation token and no
  // other part of the listing is left). Only a hint: false does not promise more keys, and a
  // stream ends with an empty next() either way. A service may answer fewer keys than the page
  // size asked (S3 and GCS send at most 1,000), so a short page alone does not mean the end.
  bool last = false;
};

// A listing in progress. next() blocks (call it from a lister thread, not an engine loop) and
// returns the next page, std::nullopt at the end, or an error (after the engine's retries).
// Keys come in the store's own order (lexicographic for S3/GCS/Azure/local).
class ListStream {
 public:
  virtual ~ListStream() = default;
  virtual Result<std::optional<ListPage>> next() = 0;
  // LIST requests this stream has sent so far (a retried page counts once); 0 for streams that send none
  // (key files, the local and WebDAV tree walks). Asked on the thread that calls next().
  [[nodiscard]] virtual std::uint64_t list_requests() const { return 0; }
};

// Keys k with after < k <= upto in byte order; an unset bound is open. The unit of work of a
// split listing and of a shard's part of the key space.
struct KeyRange {
  std::optional<std::string> after;
  std::optional<std::string> upto;
  [[nodiscard]] bool contains(std::string_view key) const {
    return (!after || key > std::string_view(*after)) && (!upto || key <= std::string_view(*upto));
  }
};

// True when `key` lies in one of `ranges`, or `ranges` is empty (the whole key space).
[[nodiscard]] inline bool in_ranges(const std::vector<KeyRange>& ranges, std::string_view key) {
  return ranges.empty() ||
         std::any_of(ranges.begin(), ranges.end(), [&](const KeyRange& range) { return range.contains(key); });
}

// How to list: page size, LIST requests in flight at once, and the part of the key space.
// Ranges of one prefix, listed as a part of a listing over several prefixes (ListOptions::parts).
struct ListPart {
  std::string prefix;
  std::vector<KeyRange> ranges;  // disjoint; empty: the whole prefix
  std::shared_ptr<const KeyShape> shape;
};

struct ListOptions {
  std::size_t page_size = 0;    // 0: the backend's default
  std::size_t parallelism = 1;  // concurrent LIST requests for this listing (where the store can)
  // Parts of the prefix's key space, disjoint (a shard's ranges of one prefix); empty: all of
  // it. One stream lists them all, sharing `parallelism` among them as they run.
  std::vector<KeyRange> ranges;
  // The shape of the prefix's key names (a shard plan's, learned from its sampled pages): where
  // given, a running range is split at the middle of what is left measured in it; else in the
  // bytes the listing has seen so far.
  std::shared_ptr<const KeyShape> shape;
  // Non-empty: list these parts (each a prefix, its ranges and shape) in one listing instead of
  // the listed prefix, `ranges` and `shape`, sharing `parallelism` among all of them as they run
  // (a shard's ranges of many prefixes). Only stores whose lists_from_any_key() is true take it.
  std::vector<ListPart> parts;
};

struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct RangeRead {
  std::string bytes;                         // may be shorter than asked when the object ends first
  std::uint64_t offset = 0;                  // file offset of bytes[0]
  std::optional<std::uint64_t> object_size;  // from Content-Range / stat when known
  std::uint32_t attempts = 1;
};

using ReadCallback = std::function<void(Result<RangeRead>)>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "s3", "gs", "az", "http", "file".
  [[nodiscard]] virtual std::string_view scheme() const = 0;
  // The full URL of a key, safe to print and to store (no credentials).
  [[nodiscard]] virtual std::string url_for(std::string_view key) const = 0;
  // Lists every object under `prefix` recursively ("" = the whole store), `page_size` keys a page
  // at most (0 = the backend's default).
  virtual std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) = 0;
  // The same with many requests in flight and/or only a key range. Every key under `prefix`
  // inside the range comes exactly once, in no particular order across pages. The default lists
  // sequentially and drops keys outside the range; stores that can (S3, GCS, Azure) split the
  // work (store/common/parallel_list.hpp).
  virtual std::unique_ptr<ListStream> list(std::string_view prefix, const ListOptions& options);
  // Reads a range asynchronously. The callback never runs inline; it runs on an engine loop
  // thread (or the local store's I/O thread). A range starting at or past the end gives an
  // empty `bytes` with `object_size` set, not an error. A missing key gives kNotFound.
  virtual void read_range(std::string_view key, ByteRange range, ReadCallback callback) = 0;

  // Blocking convenience over read_range (not from a loop thread).
  Result<RangeRead> read_range_blocking(std::string_view key, ByteRange range);

  // The key of a full URL of this store (the inverse of url_for), or nullopt when the URL
  // belongs elsewhere. Used for key files that list full URLs. The default strips
  // url_for("") and, for stores whose URLs are percent-encoded, decodes the rest.
  [[nodiscard]] virtual std::optional<std::string> key_for_url(std::string_view url) const;

  // Writes, for an OUT_DIR that is itself a store. Control-plane calls: they block, so call them
  // from a worker thread, never from an engine loop thread (the engine's retries apply).
  // put_object stores `bytes` as the whole object `key` in one request, replacing any previous
  // object: readers see the old object or the new one, never a part. delete_object removes `key`;
  // a missing key is success (a missing bucket or container is not). Anonymous stores refuse to
  // write. The defaults return kUnsupported naming the store kind.
  virtual Status put_object(std::string_view key, std::string_view bytes);
  virtual Status delete_object(std::string_view key);
  // Creates `key` only when no object of that name exists, in one request the server decides
  // (the first of several writers wins): true when this call created it, false when it was there
  // already. The default returns kUnsupported.
  virtual Result<bool> put_object_if_absent(std::string_view key, std::string_view bytes);

  // True when a listing can start after any key (S3 start-after, GCS startOffset), so that a key
  // range costs only its own pages (parallel_list.hpp, shard plans).
  [[nodiscard]] virtual bool lists_from_any_key() const { return false; }

 protected:
  // True when url_for() percent-encodes keys (http(s)://, file://); false for s3://, gs://,
  // az:// URLs, which carry keys verbatim like the AWS / gsutil tools print them.
  [[nodiscard]] virtual bool urls_are_encoded() const { return false; }
};

// Environment lookup, injectable so tests can exercise credential precedence without
// touching the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_env();

struct StoreOptions {
  // obstore option names or their aws_/google_/azure_ aliases, values as strings ("true", "30s").
  std::map<std::string, std::string> values;
  EnvLookup env = process_env();
  // Home directory for ~/.aws/credentials and ~/.aws/config (empty: $HOME).
  std::string home;
  // Where warnings about options go (an obstore option we accept but ignore); unset: spdlog's
  // default logger.
  std::function<void(std::string_view message)> warn;
  // The store will be written to (an OUT_DIR): GCS then asks for a read-write token scope
  // instead of a read-only one.
  bool for_writing = false;
};

// The kind of store a URL opens ("s3", "gs", "az", "http", "file"), as open_store would pick
// it, without opening it; an error for a scheme no store handles.
Result<std::string_view> store_kind_of_url(std::string_view url);

// Builds a store from its URL (s3://, gs://, az://, abfs[s]://, https://ACCOUNT.blob.core.windows.net/,
// http(s)://, file://, or a plain path). Errors name the bad URL part or option and what was expected.
Result<std::unique_ptr<ObjectStore>> open_store(std::string_view url, const StoreOptions& options,
                                                std::shared_ptr<http::Engine> engine);

}  // namespace tdump::store
