#include "cli/local_file_reader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tdump::cli {

Result<LocalFile> LocalFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      fmt::format("cannot open {}: {}", path, std::system_category().message(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, fmt::format("{} is not a regular file", path));
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
