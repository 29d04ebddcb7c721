#pragma once
// A local file as a tiff::RangeReader (pread), the form every store takes for header reads.
#include <cstdint>
#include <string>

#include "common/result.hpp"
#include "tiff/fetcher.hpp"

namespace tdump::cli {

class LocalFile {
 public:
  static Result<LocalFile> open(const std::string& path);
  LocalFile(LocalFile&& other) noexcept;
  LocalFile& operator=(LocalFile&& other) noexcept;
  LocalFile(const LocalFile&) = delete;
  LocalFile& operator=(const LocalFile&) = delete;
  ~LocalFile();

  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  // Reads through this object: it must outlive the reader.
  [[nodiscard]] tiff::RangeReader reader() const;

 private:
  LocalFile(int fd, std::uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::string path_;
};

}  // namespace tdump::cli
