// OUT_DIR as a local folder: files written through a temp name, fsynced and renamed.
#include <fmt/format.h>
#include <unistd.h>

#include <regex>

#include "output/output_storage.hpp"
#include "store/local/local_store.hpp"

namespace tdump::output {
namespace {
namespace fs = std::filesystem;

class LocalOutput final : public OutputStorage {
 public:
  explicit LocalOutput(fs::path dir) : dir_(std::move(dir)), location_(dir_.string()) {}

  [[nodiscard]] const std::string& location() const override { return location_; }
  [[nodiscard]] std::string describe(std::string_view name) const override { return (dir_ / name).string(); }
  [[nodiscard]] bool remote() const override { return false; }

  Result<std::vector<StoredObject>> list(std::string_view prefix) override {
    std::vector<StoredObject> out;
    // Walk only the folder the prefix starts in, and only into sub-folders the prefix allows.
    auto slash = prefix.rfind('/');
    fs::path start = dir_ / std::string(slash == std::string_view::npos ? "" : prefix.substr(0, slash + 1));
    std::error_code ec;
    if (!fs::is_directory(start, ec)) return out;
    fs::recursive_directory_iterator it(start, ec);
    if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot list {}: {}", start.string(), ec.message()));
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot list {}: {}", start.string(), ec.message()));
      std::string name = it->path().lexically_relative(dir_).generic_string();
      if (it->is_directory(ec)) {
        std::string folder = name + "/";
        if (!prefix.starts_with(folder) && !folder.starts_with(prefix)) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || !name.starts_with(prefix)) continue;
      auto size = it->file_size(ec);
      if (ec) continue;  // vanished meanwhile
      out.push_back({std::move(name), size});
    }
    return out;
  }

  Status read_each(const std::vector<StoredObject>& objects,
                   const std::function<Status(const StoredObject&, std::string)>& use) override {
    for (const auto& object : objects) {
      auto read = store::read_local_range(describe(object.name), store::kWholeFile);
      if (!read) return std::move(read).error();
      if (auto status = use(object, std::move(read->bytes)); !status) return status;
    }
    return {};
  }

  Status write(std::string_view name, std::string_view content) override {
    return store::write_local_file_atomically(describe(name), content);
  }

  Result<bool> create_if_absent(std::string_view name, std::string_view content) override {
    return store::create_local_file_if_absent(describe(name), content);
  }

  Status remove(std::string_view name) override {
    std::error_code ec;
    fs::remove(dir_ / name, ec);
    if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot remove {}: {}", describe(name), ec.message()));
    return {};
  }

  std::uint64_t remove_leftovers(std::string_view shard_tag) override {
    const std::string tag(shard_tag);
    // Temp names: the Parquet writer's ".part-TAG-SEQ.parquet.tmp-*", and write()'s ".NAME.tmp-*"
    // (manifest, shard descriptor, the shard's lease).
    const std::regex final_output(R"((part|errors)-\d{5}-\d{6}\.parquet)");
    const std::regex manifest_temp(fmt::format(R"(\.?_SUCCESS(-{}-of-\d+)?\.tmp-.*)", tag));
    const std::regex descriptor_temp(fmt::format(R"(\.?shard-{}(\.json|-of-\d+\.lease)\.tmp-.*)", tag));
    auto names_output = [&](const std::string& name) {
      return name.find("part-" + tag + "-") != std::string::npos ||
             name.find("errors-" + tag + "-") != std::string::npos;
    };
    std::uint64_t removed = 0;
    auto sweep = [&](const fs::path& folder, auto&& is_leftover) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(folder, ec)) {
        std::string name = entry.path().filename().string();
        if (!entry.is_regular_file(ec) || !is_leftover(name)) continue;
        if (fs::remove(entry.path(), ec)) ++removed;
      }
    };
    sweep(dir_, [&](const std::string& name) {
      return (names_output(name) && !std::regex_match(name, final_output)) || std::regex_match(name, manifest_temp);
    });
    sweep(dir_ / "_tiff_dumper", [&](const std::string& name) { return std::regex_match(name, descriptor_temp); });
    sweep(dir_ / "_tiff_dumper" / "keys",
          [&](const std::string& name) { return names_output(name) && !name.ends_with(".keys"); });
    return removed;
  }

  [[nodiscard]] fs::path writer_path(std::string_view name) const override { return dir_ / name; }
  Status publish(std::string_view /*name*/) override { return {}; }  // the writer's rename was the commit
  void drop_staged(std::string_view /*name*/) override {}

 private:
  fs::path dir_;
  std::string location_;
};

}  // namespace

Result<std::unique_ptr<OutputStorage>> open_local_output(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {} exists and is not a directory", dir.string()));
  }
  fs::create_directories(dir / "_tiff_dumper" / "keys", ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {}: cannot create it: {}", dir.string(), ec.message()));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("OUT_DIR {} is not writable", dir.string()));
  }
  return std::unique_ptr<OutputStorage>(std::make_unique<LocalOutput>(dir));
}

}  // namespace tdump::output
