#include "store/key_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace tdump::store {
namespace {

constexpr std::size_t kMaxLine = std::size_t{64} * 1024;  // S3 keys stop at 1 KiB; anything this long is not a key

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string errno_text(int err) {
  return std::system_category().message(err);
}

class KeyFileStream final : public ListStream {
 public:
  KeyFileStream(int fd, bool owned, std::string name, const ObjectStore& store, std::size_t page_size, int cancel_fd)
      : fd_(fd),
        owned_(owned),
        cancel_fd_(cancel_fd),
        name_(std::move(name)),
        store_(store),
        page_size_(page_size == 0 ? 1000 : page_size) {}
  KeyFileStream(const KeyFileStream&) = delete;
  KeyFileStream& operator=(const KeyFileStream&) = delete;
  ~KeyFileStream() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }

  Result<std::optional<ListPage>> next() override {
    ListPage page;
    std::string line;
    while (page.objects.size() < page_size_ && !failed_) {
      auto got = read_line(line);
      if (!got) {
        failed_ = true;
        return std::move(got).error();
      }
      if (!*got) break;
      std::string_view text = trim(line);
      if (text.empty() || text.front() == '#') continue;
      ObjectMeta meta;
      if (text.find("://") != std::string_view::npos) {
        auto key = store_.key_for_url(text);
        if (!key) {
          failed_ = true;
          return make_error(ErrorCode::kInvalidArgument, name_ + " line " + std::to_string(line_number_) + ": '" +
                                                             std::string(text) + "' is not a URL of the store " +
                                                             store_.url_for(""));
        }
        meta.key = std::move(*key);
      } else {
        meta.key = std::string(text);
      }
      page.objects.push_back(std::move(meta));
    }
    if (page.objects.empty()) return std::optional<ListPage>{};
    return std::optional<ListPage>(std::move(page));
  }

 private:
  // false at the end of the file.
  Result<bool> read_line(std::string& line) {
    line.clear();
    if (eof_ && pos_ == end_) return false;
    for (;;) {
      if (pos_ == end_) {
        auto filled = fill();
        if (!filled) return std::move(filled).error();
        if (!*filled) {
          ++line_number_;
          return !line.empty();
        }
      }
      const char* begin = buffer_.data() + pos_;
      const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', end_ - pos_));
      const std::size_t take = newline != nullptr ? static_cast<std::size_t>(newline - begin) : end_ - pos_;
      if (line.size() + take > kMaxLine) {
        return make_error(ErrorCode::kLimit, name_ + " line " + std::to_string(line_number_ + 1) + " is longer than " +
                                                 std::to_string(kMaxLine) + " bytes: not a key");
      }
      line.append(begin, take);
      pos_ += take;
      if (newline != nullptr) {
        ++pos_;
        ++line_number_;
        return true;
      }
    }
  }

  // Refills the buffer; false at the end of the file. Waits in poll() for data or for the
  // cancel descriptor, whichever comes first, and reads only once there is something to read
  // (a FIFO opened without blocking reads as "end of file" until its writer has connected, so
  // reading first would end the stream early).
  Result<bool> fill() {
    pos_ = end_ = 0;
    if (eof_) return false;
    for (;;) {
      std::array<pollfd, 2> fds{pollfd{fd_, POLLIN, 0}, pollfd{cancel_fd_, POLLIN, 0}};
      const nfds_t count = cancel_fd_ >= 0 ? 2 : 1;
      if (::poll(fds.data(), count, -1) < 0) {
        if (errno == EINTR) continue;
        return make_error(ErrorCode::kIo, "cannot wait for " + name_ + ": " + errno_text(errno));
      }
      if (count == 2 && (fds[1].revents & POLLIN) != 0) {
        return make_error(ErrorCode::kCancelled, "reading " + name_ + " was cancelled");
      }
      if (fds[0].revents == 0) continue;
      const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
      if (n > 0) {
        end_ = static_cast<std::size_t>(n);
        return true;
      }
      if (n == 0) {
        eof_ = true;
        return false;
      }
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return make_error(ErrorCode::kIo, "cannot read " + name_ + ": " + errno_text(errno));
    }
  }

  int fd_;
  bool owned_;
  int cancel_fd_;
  std::string name_;
  const ObjectStore& store_;
  std::size_t page_size_;
  std::array<char, std::size_t{64} * 1024> buffer_{};
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::size_t line_number_ = 0;
  bool eof_ = false;
  bool failed_ = false;
};

}  // namespace

Result<std::unique_ptr<ListStream>> keys_from_file(const std::string& path, const ObjectStore& store,
                                                   std::size_t page_size, int cancel_fd) {
  if (path == "-") {
    // Standard input stays as it is (it is shared with whoever started us): poll() decides when
    // a read() can go ahead, so a read still never waits past a cancel.
    return std::unique_ptr<ListStream>(
        std::make_unique<KeyFileStream>(STDIN_FILENO, false, "standard input", store, page_size, cancel_fd));
  }
  // O_NONBLOCK: opening a FIFO must not wait for its writer (a stop could not interrupt that);
  // reads then wait in poll(), next to the cancel descriptor.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      "cannot open key file '" + path + "': " + errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument,
                      "key file '" + path + "' is not a file, a FIFO or a character device (a folder?)");
  }
  return std::unique_ptr<ListStream>(
      std::make_unique<KeyFileStream>(fd, true, "key file '" + path + "'", store, page_size, cancel_fd));
}

}  // namespace tdump::store
