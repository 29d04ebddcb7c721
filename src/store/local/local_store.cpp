#include "store/local/local_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/common/options.hpp"
#include "store/common/tree_list.hpp"
#include "store/common/url.hpp"

namespace tdump::store {
namespace {

// obstore's LocalStore keywords: accepted, not meaningful for reading.
constexpr std::array kLocalKeys = {OptionKey{"automatic_cleanup", {}, false}, OptionKey{"mkdir", {}, false}};

Error errno_error(int err, const std::string& what) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT || err == ENOTDIR) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kPermissionDenied;
  return make_error(code, what + ": " + std::strerror(err));  // NOLINT(concurrency-mt-unsafe): glibc's is safe
}

// What a non-regular file is, for messages.
const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a file of an unknown type";
}

std::int64_t mtime_us(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000;
}

// A key must stay inside the root: no "..", no absolute path.
bool safe_key(std::string_view key) {
  if (key.empty() || key.front() == '/') return false;
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    if (key.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_;
};

Result<std::vector<TreeEntry>> read_directory(const std::string& root, const std::string& dir) {
  if (!dir.empty() && !safe_key(dir)) {  // a prefix such as "../" would walk out of the root
    return make_error(ErrorCode::kInvalidArgument, "prefix '" + dir + "' leaves the store folder " + root);
  }
  std::string path = root + dir;
  DIR* handle = ::opendir(path.c_str());
  if (handle == nullptr) return errno_error(errno, "cannot list " + path);
  std::unique_ptr<DIR, int (*)(DIR*)> closer(handle, &::closedir);
  std::vector<TreeEntry> entries;
  int dir_fd = ::dirfd(handle);
  for (;;) {
    errno = 0;
    dirent* entry = ::readdir(handle);  // NOLINT(concurrency-mt-unsafe): one stream per thread
    if (entry == nullptr) {
      if (errno != 0) return errno_error(errno, "cannot list " + path);
      break;
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, 0) != 0) continue;  // dangling symlink or vanished: skip
    TreeEntry out;
    out.name = std::string(name);
    if (S_ISDIR(st.st_mode)) {
      out.is_dir = true;
      out.identity = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    } else if (S_ISREG(st.st_mode)) {
      out.meta.size = static_cast<std::uint64_t>(st.st_size);
      out.meta.last_modified_us = mtime_us(st);
      out.meta.etag = LocalStore::etag_for(st.st_ino, mtime_us(st), static_cast<std::uint64_t>(st.st_size));
    } else {
      // A FIFO, socket or device: listed (without size or ETag) so that a name that passes the
      // filter ends in an error row, as every listed key does; reading one is refused.
      out.meta.last_modified_us = mtime_us(st);
    }
    entries.push_back(std::move(out));
  }
  return entries;
}

}  // namespace

std::string LocalStore::etag_for(std::uint64_t inode, std::int64_t mtime_us, std::uint64_t size) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llx-%llx-%llx", static_cast<unsigned long long>(inode),
                static_cast<unsigned long long>(mtime_us), static_cast<unsigned long long>(size));
  return buf;
}

Result<RangeRead> read_local_range(const std::string& path, ByteRange range) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer, nor a device for its carrier; the
  // file is then refused below unless it is a regular file (where O_NONBLOCK changes nothing).
  // Symbolic links are followed, as the listing follows them.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    // A socket cannot be opened at all (ENXIO): say what it is rather than "no such device".
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
      return make_error(ErrorCode::kUnsupported,
                        "cannot read " + path + ": it is " + file_kind(st.st_mode) + ", not a regular file");
    }
    return errno_error(err, "cannot open " + path);
  }
  FdCloser closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error(errno, "cannot stat " + path);
  if (!S_ISREG(st.st_mode)) {
    return make_error(S_ISDIR(st.st_mode) ? ErrorCode::kIo : ErrorCode::kUnsupported,
                      "cannot read " + path + ": it is " + file_kind(st.st_mode) + ", not a regular file");
  }
  RangeRead out;
  out.offset = range.offset;
  auto size = static_cast<std::uint64_t>(st.st_size);
  out.object_size = size;
  if (range.offset >= size) return out;
  std::uint64_t want = std::min<std::uint64_t>(range.length, size - range.offset);
  out.bytes.resize(static_cast<std::size_t>(want));
  std::size_t done = 0;
  while (done < out.bytes.size()) {
    ssize_t n = ::pread(fd, out.bytes.data() + done, out.bytes.size() - done, static_cast<off_t>(range.offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "cannot read " + path);
    }
    if (n == 0) break;  // the file shrank
    done += static_cast<std::size_t>(n);
  }
  out.bytes.resize(done);
  return out;
}

namespace {

// Writes `bytes` to a temporary file beside `path` and puts it in place: rename() (replacing
// what is there) or, create-only, link() (EEXIST: someone else's file stays; false).
Result<bool> place_local_file(const std::string& path, std::string_view bytes, bool replace) {
  std::filesystem::path target(path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create the folder of " + path + ": " + ec.message());
  static std::atomic<std::uint64_t> counter{0};
  std::filesystem::path temp = target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                                                       std::to_string(::getpid()) + "-" + std::to_string(++counter));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error(errno, "cannot create " + temp.string());
  auto fail = [&](const std::string& what) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return errno_error(err, what);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write " + temp.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot flush " + temp.string());
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("cannot close " + temp.string());
  if (replace) {
    if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename into " + path);
  } else {
    if (::link(temp.c_str(), path.c_str()) != 0) {
      if (errno == EEXIST) {
        ::unlink(temp.c_str());
        return false;
      }
      return fail("cannot create " + path);
    }
    ::unlink(temp.c_str());
  }
  // Make the rename (or link) itself durable.
  int dir_fd = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return true;
}

}  // namespace

Status write_local_file_atomically(const std::string& path, std::string_view bytes) {
  auto placed = place_local_file(path, bytes, true);
  if (!placed) return std::move(placed).error();
  return {};
}

Result<bool> create_local_file_if_absent(const std::string& path, std::string_view bytes) {
  return place_local_file(path, bytes, false);
}

LocalStore::LocalStore(std::string root, unsigned io_threads)
    : root_(std::move(root)), io_(std::make_unique<IoThreads>(io_threads)) {
  if (root_.empty() || root_.back() != '/') root_.push_back('/');
}

std::string LocalStore::url_for(std::string_view key) const {
  std::string out = "file://";
  percent_encode_append(out, root_, true);
  percent_encode_append(out, key, true);
  return out;
}

std::unique_ptr<ListStream> LocalStore::list(std::string_view prefix, std::size_t page_size) {
  return make_tree_list([root = root_](const std::string& dir) { return read_directory(root, dir); },
                        std::string(prefix), page_size,
                        [root = root_](const std::string& dir) {
                          struct stat st {};
                          if (::stat((root + dir).c_str(), &st) != 0)
                            return std::pair<std::uint64_t, std::uint64_t>{0, 0};
                          return std::pair<std::uint64_t, std::uint64_t>{st.st_dev, st.st_ino};
                        });
}

void LocalStore::read_range(std::string_view key, ByteRange range, ReadCallback callback) {
  if (!safe_key(key)) {
    std::string message = "key '" + std::string(key) + "' is not a path inside " + root_;
    io_->post([callback = std::move(callback), message = std::move(message)](bool) {
      callback(make_error(ErrorCode::kInvalidArgument, message));
    });
    return;
  }
  io_->post([path = root_ + std::string(key), range, callback = std::move(callback)](bool cancelled) {
    if (cancelled) {
      callback(make_error(ErrorCode::kCancelled, "read of " + path + " cancelled: the store was closed"));
      return;
    }
    callback(read_local_range(path, range));
  });
}

Status LocalStore::put_object(std::string_view key, std::string_view bytes) {
  if (!safe_key(key) || key.back() == '/') {
    return make_error(ErrorCode::kInvalidArgument, "key '" + std::string(key) + "' is not a file path inside " + root_);
  }
  return write_local_file_atomically(root_ + std::string(key), bytes);
}

Result<bool> LocalStore::put_object_if_absent(std::string_view key, std::string_view bytes) {
  if (!safe_key(key)) {
    return make_error(ErrorCode::kInvalidArgument, "key '" + std::string(key) + "' is not a path inside " + root_);
  }
  return create_local_file_if_absent(root_ + std::string(key), bytes);
}

Status LocalStore::delete_object(std::string_view key) {
  if (!safe_key(key)) {
    return make_error(ErrorCode::kInvalidArgument, "key '" + std::string(key) + "' is not a path inside " + root_);
  }
  std::string path = root_ + std::string(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error(errno, "cannot delete " + path);
  return {};
}

Result<std::string> local_path_of_url(std::string_view url) {
  if (!url.starts_with("file://")) return std::string(url);
  std::string_view rest = url.substr(7);
  if (rest.starts_with("localhost")) rest.remove_prefix(9);
  if (rest.empty() || rest.front() != '/') {
    return make_error(ErrorCode::kInvalidArgument,
                      "file URL '" + std::string(url) + "' must be file:///absolute/path (no host)");
  }
  return percent_decode(rest);
}

Result<std::unique_ptr<ObjectStore>> open_local_store(std::string_view url, const StoreOptions& options) {
  std::array<std::span<const OptionKey>, 1> sets{kLocalKeys};
  auto resolved = resolve_options(options, sets, "", "local");
  if (!resolved) return std::move(resolved).error();
  resolved->warn_ignored("local");
  auto local_path = local_path_of_url(url);
  if (!local_path) return std::move(local_path).error();
  const std::string& path = *local_path;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "cannot resolve path '" + path + "': " + ec.message());
  absolute = absolute.lexically_normal();
  auto status = std::filesystem::status(absolute, ec);
  if (ec || !std::filesystem::exists(status)) {
    return make_error(ErrorCode::kNotFound, "local store folder '" + absolute.string() + "' does not exist");
  }
  if (!std::filesystem::is_directory(status)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "local store '" + absolute.string() + "' is not a folder (give the folder that holds the files)");
  }
  return std::unique_ptr<ObjectStore>(std::make_unique<LocalStore>(absolute.string()));
}

}  // namespace tdump::store
