#pragma once
// Local files (file:///path and plain paths): a recursive walk in lexicographic key order,
// pread() range reads on a small I/O thread pool, and writes through a temporary file in the
// same folder, fsynced and renamed into place.
#include <limits>
#include <memory>
#include <string>

#include "store/local/io_thread.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

class LocalStore final : public ObjectStore {
 public:
  // `root` must be an absolute directory path.
  explicit LocalStore(std::string root, unsigned io_threads = 2);

  [[nodiscard]] std::string_view scheme() const override { return "file"; }
  [[nodiscard]] std::string url_for(std::string_view key) const override;
  std::unique_ptr<ListStream> list(std::string_view prefix, std::size_t page_size) override;
  void read_range(std::string_view key, ByteRange range, ReadCallback callback) override;
  Status put_object(std::string_view key, std::string_view bytes) override;
  Status delete_object(std::string_view key) override;
  Result<bool> put_object_if_absent(std::string_view key, std::string_view bytes) override;

  // The ETag the walk reports: "<inode hex>-<mtime µs hex>-<size hex>", which changes whenever
  // the file is replaced, touched or resized.
  static std::string etag_for(std::uint64_t inode, std::int64_t mtime_us, std::uint64_t size);

 protected:
  [[nodiscard]] bool urls_are_encoded() const override { return true; }

 private:
  std::string root_;  // absolute, ends with '/'
  std::unique_ptr<IoThreads> io_;
};

// file:///abs/path, file://localhost/abs/path, or a plain (relative or absolute) path.
Result<std::unique_ptr<ObjectStore>> open_local_store(std::string_view url, const StoreOptions& options);

// The path a file:///abs/path or file://localhost/abs/path URL names (percent-decoded); a plain
// path is returned as it is.
Result<std::string> local_path_of_url(std::string_view url);

// Writes `bytes` to `path` atomically: a temporary file beside it (".NAME.tmp-PID-N"), fsync,
// rename, fsync of the folder. Creates missing parent folders.
Status write_local_file_atomically(const std::string& path, std::string_view bytes);

// Creates `path` with `bytes` only when it does not exist (a temporary file linked into place):
// true when this call created it, false when a file was there.
Result<bool> create_local_file_if_absent(const std::string& path, std::string_view bytes);

// A range that reads a regular file whole.
inline constexpr ByteRange kWholeFile{0, std::numeric_limits<std::uint64_t>::max()};

// Reads a byte range of a local file (the work of one read_range task).
Result<RangeRead> read_local_range(const std::string& path, ByteRange range);

}  // namespace tdump::store
