#pragma once
#include <filesystem>
#include <string>

namespace tdump::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction
// unless TDUMP_KEEP_TEMP is set (handy when a test fails).
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "tdump");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);

}  // namespace tdump::testing
