#include "cli/local_file_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tdump::cli {

Result<LocalFile> LocalFile::open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (nor a device for its carrier); what
  // is not a regular file is refused right after (for a regular file O_NONBLOCK changes nothing).
  auto not_regular = [&path](mode_t mode) {
    const char* what = S_ISDIR(mode)    ? "a directory"
                       : S_ISFIFO(mode) ? "a FIFO (named pipe)"
                       : S_ISSOCK(mode) ? "a socket"
                       : S_ISCHR(mode)  ? "a character device"
                       : S_ISBLK(mode)  ? "a block device"
                                        : "a file of an unknown type";
    return make_error(S_ISDIR(mode) ? ErrorCode::kIo : ErrorCode::kUnsupported,
                      fmt::format("{} is {}, not a regular file: only regular files are read", path, what));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return not_regular(st.st_mode);  // a socket: ENXIO
    return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      fmt::format("cannot open {}: {}", path, std::system_category().message(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return not_regular(st.st_mode);
  }
  return LocalFile(fd, static_cast<std::uint64_t>(st.st_size), path);
}

LocalFile::LocalFile(LocalFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), size_(other.size_), path_(std::move(other.path_)) {}

LocalFile& LocalFile::operator=(LocalFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    path_ = std::move(other.path_);
  }
  return *this;
}

LocalFile::~LocalFile() {
  if (fd_ >= 0) ::close(fd_);
}

tiff::RangeReader LocalFile::reader() const {
  return [this](std::uint64_t offset, std::span<std::uint8_t> buffer) -> Result<std::uint64_t> {
    std::uint64_t done = 0;
    while (done < buffer.size()) {
      ssize_t n = ::pread(fd_, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return make_error(ErrorCode::kIo, fmt::format("read {} at offset {}: {}", path_, offset + done,
                                                      std::system_category().message(errno)));
      }
      if (n == 0) break;  // end of file
      done += static_cast<std::uint64_t>(n);
    }
    return done;
  };
}

}  // namespace tdump::cli
