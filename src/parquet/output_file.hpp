#pragma once
// A file written under a temporary name beside its final path and renamed into place on
// commit, so a reader never sees a partial file. Any failure (or destruction without commit)
// removes the temporary file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tdump::parquet {

class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  ~OutputFile() { abort(); }

  // Creates "<dir>/.<name>.tmp-<pid>-<n>" next to `final_path`.
  static Result<OutputFile> create(const std::filesystem::path& final_path);

  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  [[nodiscard]] std::int64_t position() const noexcept { return position_; }
  [[nodiscard]] const std::filesystem::path& temp_path() const noexcept { return temp_path_; }

  // Writes all of `bytes`; on failure the file is aborted.
  Status write(std::string_view bytes);
  // Optionally fsyncs the file, closes it, renames it to the final path and fsyncs the directory.
  Status commit(bool sync);
  // Closes and removes the temporary file (no-op when nothing is open).
  void abort() noexcept;

 private:
  Error io_error(std::string_view what, int err, const std::filesystem::path& path);

  int fd_ = -1;
  std::int64_t position_ = 0;
  std::filesystem::path temp_path_;
  std::filesystem::path final_path_;
};

}  // namespace tdump::parquet
