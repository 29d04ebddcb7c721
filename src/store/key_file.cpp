#include "store/key_file.hpp"

#include <cerrno>
#include <cstdio>
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

class KeyFileStream final : public ListStream {
 public:
  KeyFileStream(std::FILE* file, bool owned, std::string name, const ObjectStore& store, std::size_t page_size)
      : file_(file),
        owned_(owned),
        name_(std::move(name)),
        store_(store),
        page_size_(page_size == 0 ? 1000 : page_size) {}
  KeyFileStream(const KeyFileStream&) = delete;
  KeyFileStream& operator=(const KeyFileStream&) = delete;
  ~KeyFileStream() override {
    if (owned_ && file_ != nullptr) std::fclose(file_);
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
    if (eof_) return false;
    for (;;) {
      int c = std::fgetc(file_);
      if (c == EOF) {
        if (std::ferror(file_) != 0) {
          return make_error(ErrorCode::kIo, "cannot read " + name_ + ": " + std::system_category().message(errno));
        }
        eof_ = true;
        ++line_number_;
        return !line.empty();
      }
      if (c == '\n') {
        ++line_number_;
        return true;
      }
      if (line.size() == kMaxLine) {
        return make_error(ErrorCode::kLimit, name_ + " line " + std::to_string(line_number_ + 1) + " is longer than " +
                                                 std::to_string(kMaxLine) + " bytes: not a key");
      }
      line.push_back(static_cast<char>(c));
    }
  }

  std::FILE* file_;
  bool owned_;
  std::string name_;
  const ObjectStore& store_;
  std::size_t page_size_;
  std::size_t line_number_ = 0;
  bool eof_ = false;
  bool failed_ = false;
};

}  // namespace

Result<std::unique_ptr<ListStream>> keys_from_file(const std::string& path, const ObjectStore& store,
                                                   std::size_t page_size) {
  if (path == "-") {
    return std::unique_ptr<ListStream>(
        std::make_unique<KeyFileStream>(stdin, false, "standard input", store, page_size));
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    int err = errno;
    return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      "cannot open key file '" + path + "': " + std::strerror(err));  // NOLINT(concurrency-mt-unsafe)
  }
  return std::unique_ptr<ListStream>(
      std::make_unique<KeyFileStream>(file, true, "key file '" + path + "'", store, page_size));
}

}  // namespace tdump::store
