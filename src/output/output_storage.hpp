#pragma once
// Where OUT_DIR lives: a local folder, or a prefix of an object store (s3://, gs://, az://,
// http(s):// with WebDAV). OutputDir runs the same layout and commit protocol over either; this
// is the handful of operations it needs, each atomic on its own:
//   local:  write = temp file + fsync + rename; the Parquet writer renames its file into place.
//   remote: write = one PUT (an object appears whole or not at all); the Parquet writer writes
//           to a local staging folder and publish() PUTs the closed file.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "http/engine.hpp"

namespace tdump::output {

struct StoredObject {
  std::string name;  // relative to OUT_DIR, '/'-separated ("part-00000-000001.parquet")
  std::uint64_t size = 0;
};

class OutputStorage {
 public:
  virtual ~OutputStorage() = default;

  // OUT_DIR as the user gave it (a path or a URL without credentials), for messages.
  [[nodiscard]] virtual const std::string& location() const = 0;
  // The full path or URL of an object, for messages and the summary.
  [[nodiscard]] virtual std::string describe(std::string_view name) const = 0;
  [[nodiscard]] virtual bool remote() const = 0;

  // Every object whose name starts with `prefix` (at any depth below it).
  virtual Result<std::vector<StoredObject>> list(std::string_view prefix) = 0;
  // Reads each object whole and hands it to `use` on the caller's thread, in any order; the
  // first error (of a read or of `use`) ends the call.
  virtual Status read_each(const std::vector<StoredObject>& objects,
                           const std::function<Status(const StoredObject&, std::string)>& use) = 0;
  // Writes a whole object atomically, replacing any previous one.
  virtual Status write(std::string_view name, std::string_view content) = 0;
  // Creates an object only when none of that name exists; the first of several writers wins
  // (a conditional PUT remotely, link() locally): true when this call created it.
  virtual Result<bool> create_if_absent(std::string_view name, std::string_view content) = 0;
  // Removes an object; a missing one is success.
  virtual Status remove(std::string_view name) = 0;
  // Removes what a killed attempt of shard `shard_tag` left half-written (local temp files);
  // returns how many. Nothing to do remotely: a PUT leaves no partial object.
  virtual std::uint64_t remove_leftovers(std::string_view shard_tag) = 0;

  // Where the Parquet writer writes the file `name` (it writes a temp file there and renames).
  [[nodiscard]] virtual std::filesystem::path writer_path(std::string_view name) const = 0;
  // Makes the closed file at writer_path(name) visible as `name`: nothing locally (the writer's
  // rename did it); remotely one PUT of the staged file, which is then deleted either way.
  virtual Status publish(std::string_view name) = 0;
  // Deletes a staged file that will not be published (nothing locally).
  virtual void drop_staged(std::string_view name) = 0;
};

// A local folder (created if missing; must be writable).
Result<std::unique_ptr<OutputStorage>> open_local_output(const std::filesystem::path& dir);

// What a store URL as OUT_DIR needs besides the URL.
struct OutputStoreSettings {
  std::map<std::string, std::string> options;  // store options (obstore names)
  http::RetryConfig retry;                     // the run's retry settings
  // Where the Parquet files are staged before their PUT ($TMPDIR or /tmp when empty); a folder
  // unique to this process and shard is made in it and removed with the storage.
  std::filesystem::path staging_parent;
  std::string shard_tag;  // "00003", part of the staging folder's name
};

// An OUT_DIR given as a location: a plain path or file:// URL is a local folder; any other URL
// open_store accepts is a store prefix written with PUT / DELETE.
Result<std::unique_ptr<OutputStorage>> open_output(const std::string& location, const OutputStoreSettings& settings);

// True when `location` names a store URL rather than a local folder.
bool is_remote_location(std::string_view location);

// The store options for an OUT_DIR URL: `output_options` when given; otherwise the input store's
// options when both URLs open the same kind of store (s3 and s3, az and az...), else none.
std::map<std::string, std::string> output_store_options(const std::string& input_store,
                                                        const std::map<std::string, std::string>& input_options,
                                                        const std::string& out_location,
                                                        const std::map<std::string, std::string>& output_options);

}  // namespace tdump::output
