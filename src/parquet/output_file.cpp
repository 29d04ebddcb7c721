#include "parquet/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace tdump::parquet {

namespace {

std::atomic<std::uint64_t> g_temp_counter{0};

ErrorCode code_for(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
      return ErrorCode::kPermissionDenied;
    case ENOENT:
    case ENOTDIR:
      return ErrorCode::kNotFound;
    default:
      return ErrorCode::kIo;
  }
}

}  // namespace

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      position_(other.position_),
      temp_path_(std::move(other.temp_path_)),
      final_path_(std::move(other.final_path_)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    abort();
    fd_ = std::exchange(other.fd_, -1);
    position_ = other.position_;
    temp_path_ = std::move(other.temp_path_);
    final_path_ = std::move(other.final_path_);
  }
  return *this;
}

Error OutputFile::io_error(std::string_view what, int err, const std::filesystem::path& path) {
  // std::system_category().message is strerror's text without strerror's shared buffer.
  return make_error(code_for(err),
                    fmt::format("parquet: {} '{}': {}", what, path.string(), std::system_category().message(err)));
}

Result<OutputFile> OutputFile::create(const std::filesystem::path& final_path) {
  OutputFile f;
  f.final_path_ = final_path;
  const std::filesystem::path dir = final_path.has_parent_path() ? final_path.parent_path() : ".";
  f.temp_path_ = dir / fmt::format(".{}.tmp-{}-{}", final_path.filename().string(), ::getpid(),
                                   g_temp_counter.fetch_add(1, std::memory_order_relaxed));
  f.fd_ = ::open(f.temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f.fd_ < 0) {
    const int err = errno;
    return f.io_error("cannot create", err, f.temp_path_);
  }
  return f;
}

Status OutputFile::write(std::string_view bytes) {
  if (fd_ < 0) return make_error(ErrorCode::kInternal, "parquet: write to a closed file");
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      Error e = io_error("cannot write", err, temp_path_);
      abort();
      return e;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    position_ += n;
  }
  return {};
}

Status OutputFile::commit(bool sync) {
  if (fd_ < 0) return make_error(ErrorCode::kInternal, "parquet: commit of a closed file");
  if (sync && ::fsync(fd_) != 0) {
    const int err = errno;
    Error e = io_error("cannot fsync", err, temp_path_);
    abort();
    return e;
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    // Delayed write errors (e.g. ENOSPC on some file systems) surface at close.
    const int err = errno;
    ::unlink(temp_path_.c_str());
    return io_error("cannot close", err, temp_path_);
  }
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    return io_error("cannot rename to", err, final_path_);
  }
  if (sync) {
    // Make the rename itself durable.
    const std::filesystem::path dir = final_path_.has_parent_path() ? final_path_.parent_path() : ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }
  return {};
}

void OutputFile::abort() noexcept {
  if (fd_ < 0) return;
  ::close(std::exchange(fd_, -1));
  ::unlink(temp_path_.c_str());
}

}  // namespace tdump::parquet
