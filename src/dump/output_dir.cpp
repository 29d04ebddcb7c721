#include "dump/output_dir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

namespace tdump::dump {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStateDir = "_tiff_dumper";

std::string shard_tag(const Shard& shard) {
  return fmt::format("{:05}", shard.index);
}

std::string kind_prefix(FileKind kind) {
  return kind == FileKind::kData ? "part" : "errors";
}

Error io_error(const std::string& what, const fs::path& path, int err) {
  return make_error(ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

// Writes a whole file under a temp name, fsyncs it, renames it into place.
Status write_file_atomically(const fs::path& path, std::string_view content) {
  fs::path temp = path;
  temp += fmt::format(".tmp-{}", getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", temp, errno);
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return io_error("cannot write", temp, err);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return io_error("cannot flush", temp, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return io_error("cannot rename into", path, err);
  }
  return {};
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string OutputDir::escape_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '%')
      out += "%25";
    else if (c == '\n')
      out += "%0A";
    else if (c == '\r')
      out += "%0D";
    else
      out += c;
  }
  return out;
}

std::string OutputDir::unescape_key(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '%' && i + 2 < line.size()) {
      auto code = line.substr(i + 1, 2);
      if (code == "25")
        out += '%';
      else if (code == "0A")
        out += '\n';
      else if (code == "0D")
        out += '\r';
      else {
        out += line[i];
        continue;
      }
      i += 2;
    } else {
      out += line[i];
    }
  }
  return out;
}

Result<OutputDir> OutputDir::open(const fs::path& dir, Shard shard, const std::string& fingerprint, bool resume) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {} exists and is not a directory", dir.string()));
  }
  fs::create_directories(dir / kStateDir / "keys", ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {}: cannot create it: {}", dir.string(), ec.message()));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("OUT_DIR {} is not writable", dir.string()));
  }

  OutputDir out(dir, shard);
  const std::string identity = fmt::format("{{\"fingerprint\": \"{}\", \"shard\": {}, \"shards\": {}}}\n", fingerprint,
                                           shard.index, shard.count);
  // Every shard descriptor present must belong to the same run.
  std::regex descriptor_name(R"(shard-(\d{5})\.json)");
  for (const auto& entry : fs::directory_iterator(dir / kStateDir, ec)) {
    std::smatch m;
    std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, descriptor_name)) continue;
    auto text = read_text(entry.path()).value_or("");
    if (text.find(fmt::format("\"fingerprint\": \"{}\"", fingerprint)) == std::string::npos ||
        text.find(fmt::format("\"shards\": {}}}", shard.count)) == std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("OUT_DIR {} holds the output of a different run (store, prefixes, filters or shard "
                                    "count differ; see {}): use another OUT_DIR",
                                    dir.string(), entry.path().string()));
    }
  }
  // Output files without any descriptor come from something else (another tool, an old run).
  std::regex output_name(R"((part|errors)-(\d{5})-(\d{6})\.parquet)");
  bool own_output = false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, output_name)) continue;
    if (!fs::exists(dir / kStateDir / fmt::format("shard-{}.json", m[2].str()))) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("OUT_DIR {} holds {} which no tiff-dumper run recorded: use another OUT_DIR",
                                    dir.string(), name));
    }
    if (m[2].str() == shard_tag(shard)) own_output = true;
  }
  const fs::path own_descriptor = dir / kStateDir / fmt::format("shard-{}.json", shard_tag(shard));
  if (!resume && (own_output || fs::exists(out.manifest_path()))) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {} already holds output of this run{}: pass --resume to complete it, or use "
                                  "another OUT_DIR",
                                  dir.string(), shard.count > 1 ? fmt::format(" (shard {})", shard.index) : ""));
  }
  if (auto status = write_file_atomically(own_descriptor, identity); !status) return std::move(status).error();
  if (auto status = out.load_resume_state(); !status) return std::move(status).error();
  return out;
}

Status OutputDir::load_resume_state() {
  std::error_code ec;
  const std::string tag = shard_tag(shard_);
  std::regex final_name(fmt::format(R"((part|errors)-{}-(\d{{6}})\.parquet)", tag));
  // Temp files of this shard: anything naming one of its outputs that is not a final name.
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, final_name)) {
      auto kind = m[1].str() == "part" ? 0 : 1;
      next_sequence_[kind] = std::max<std::uint64_t>(next_sequence_[kind], std::stoull(m[2].str()) + 1);
      continue;
    }
    if (name.find(fmt::format("part-{}-", tag)) != std::string::npos ||
        name.find(fmt::format("errors-{}-", tag)) != std::string::npos) {
      fs::remove(entry.path(), ec);
      ++resume_.removed;
    }
  }
  std::vector<std::uint64_t> hashes;
  for (const auto& entry : fs::directory_iterator(dir_ / kStateDir / "keys", ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() < 5 || name.substr(name.size() - 5) != ".keys") {
      fs::remove(entry.path(), ec);  // a sidecar's own temp file
      ++resume_.removed;
      continue;
    }
    std::string parquet_name = name.substr(0, name.size() - 5);
    std::smatch m;
    if (!std::regex_match(parquet_name, m, final_name)) continue;  // another shard's
    if (!fs::exists(dir_ / parquet_name)) {
      fs::remove(entry.path(), ec);  // the rename never happened: the file's keys are not done
      ++resume_.removed;
      continue;
    }
    auto text = read_text(entry.path());
    if (!text) return io_error("cannot read", entry.path(), errno);
    std::size_t start = 0;
    while (start < text->size()) {
      auto end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      hashes.push_back(stable_key_hash(unescape_key(std::string_view(*text).substr(start, end - start))));
      start = end + 1;
    }
    ++resume_.files;
  }
  std::sort(hashes.begin(), hashes.end());
  resume_.keys = hashes.size();
  done_hashes_ = std::move(hashes);
  return {};
}

bool OutputDir::already_done(std::string_view key) const {
  return !done_hashes_.empty() && std::binary_search(done_hashes_.begin(), done_hashes_.end(), stable_key_hash(key));
}

PlannedFile OutputDir::plan(FileKind kind) {
  PlannedFile file;
  file.kind = kind;
  file.sequence = next_sequence_[kind == FileKind::kData ? 0 : 1]++;
  std::string name = fmt::format("{}-{}-{:06}.parquet", kind_prefix(kind), shard_tag(shard_), file.sequence);
  file.final_path = dir_ / name;
  file.keys_path = dir_ / kStateDir / "keys" / (name + ".keys");
  return file;
}

Status OutputDir::write_keys(const PlannedFile& file, const std::vector<std::string>& keys) const {
  std::string text;
  std::size_t bytes = 0;
  for (const auto& key : keys) bytes += key.size() + 1;
  text.reserve(bytes);
  for (const auto& key : keys) {
    text += escape_key(key);
    text += '\n';
  }
  return write_file_atomically(file.keys_path, text);
}

void OutputDir::discard(const PlannedFile& file) const {
  std::error_code ec;
  fs::remove(file.keys_path, ec);
}

std::vector<std::string> OutputDir::committed_files() const {
  std::vector<std::string> files;
  std::regex final_name(fmt::format(R"((part|errors)-{}-\d{{6}}\.parquet)", shard_tag(shard_)));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (std::regex_match(name, final_name)) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

fs::path OutputDir::manifest_path() const {
  if (shard_.count <= 1) return dir_ / "_SUCCESS";
  return dir_ / fmt::format("_SUCCESS-{:05}-of-{:05}", shard_.index, shard_.count);
}

Status OutputDir::write_manifest(const std::string& json) const {
  return write_file_atomically(manifest_path(), json);
}

}  // namespace tdump::dump
