#include "output/output_dir.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>
#include <set>

namespace tdump::output {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStateDir = "_tiff_dumper/";
constexpr std::string_view kKeysDir = "_tiff_dumper/keys/";

std::string shard_tag(const Shard& shard) {
  return fmt::format("{:05}", shard.index);
}

std::string kind_prefix(FileKind kind) {
  return kind == FileKind::kData ? "part" : "errors";
}

// The output files of every shard at the top of OUT_DIR.
Result<std::vector<StoredObject>> list_outputs(OutputStorage& storage) {
  std::vector<StoredObject> out;
  for (std::string_view prefix : {"part-", "errors-"}) {
    auto listed = storage.list(prefix);
    if (!listed) return std::move(listed).error();
    for (auto& object : *listed) out.push_back(std::move(object));
  }
  return out;
}

Error cannot_list(const OutputStorage& storage, Error error) {
  error.message = fmt::format("OUT_DIR {}: cannot list it: {}", storage.location(), error.message);
  return error;
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
  auto storage = open_local_output(dir);
  if (!storage) return std::move(storage).error();
  return open(std::move(storage).value(), shard, fingerprint, resume);
}

Result<OutputDir> OutputDir::open(const std::string& location, const OutputStoreSettings& settings, Shard shard,
                                  const std::string& fingerprint, bool resume) {
  OutputStoreSettings with_tag = settings;
  with_tag.shard_tag = shard_tag(shard);
  auto storage = open_output(location, with_tag);
  if (!storage) return std::move(storage).error();
  return open(std::move(storage).value(), shard, fingerprint, resume);
}

Result<OutputDir> OutputDir::open(std::unique_ptr<OutputStorage> storage, Shard shard, const std::string& fingerprint,
                                  bool resume) {
  OutputDir out(std::move(storage), shard);
  if (auto status = out.check_and_claim(fingerprint, resume); !status) return std::move(status).error();
  return out;
}

Status OutputDir::check_and_claim(const std::string& fingerprint, bool resume) {
  const std::string& where = storage_->location();
  auto state = storage_->list(kStateDir);
  if (!state) return cannot_list(*storage_, std::move(state).error());
  // Every shard descriptor present must belong to the same run.
  const std::regex descriptor_name(R"(_tiff_dumper/shard-(\d{5})\.json)");
  std::set<std::string> recorded_shards;
  std::vector<StoredObject> descriptors;
  for (const auto& object : *state) {
    std::smatch m;
    if (!std::regex_match(object.name, m, descriptor_name)) continue;
    recorded_shards.insert(m[1].str());
    descriptors.push_back(object);
  }
  auto same_run = storage_->read_each(descriptors, [&](const StoredObject& object, const std::string& text) -> Status {
    if (text.find(fmt::format("\"fingerprint\": \"{}\"", fingerprint)) == std::string::npos ||
        text.find(fmt::format("\"shards\": {}}}", shard_.count)) == std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("OUT_DIR {} holds the output of a different run (store, prefixes, filters or shard "
                                    "count differ; see {}): use another OUT_DIR",
                                    where, storage_->describe(object.name)));
    }
    return {};
  });
  if (!same_run) return same_run;
  // Output files without any descriptor come from something else (another tool, an old run).
  auto outputs = list_outputs(*storage_);
  if (!outputs) return cannot_list(*storage_, std::move(outputs).error());
  const std::regex output_name(R"((part|errors)-(\d{5})-(\d{6})\.parquet)");
  bool own_output = false;
  for (const auto& object : *outputs) {
    std::smatch m;
    if (!std::regex_match(object.name, m, output_name)) continue;
    if (recorded_shards.count(m[2].str()) == 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("OUT_DIR {} holds {} which no tiff-dumper run recorded: use another OUT_DIR", where,
                                    object.name));
    }
    if (m[2].str() == shard_tag(shard_)) own_output = true;
  }
  auto manifests = storage_->list("_SUCCESS");
  if (!manifests) return cannot_list(*storage_, std::move(manifests).error());
  const bool has_manifest = std::any_of(manifests->begin(), manifests->end(),
                                        [&](const StoredObject& object) { return object.name == manifest_name(); });
  if (!resume && (own_output || has_manifest)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {} already holds output of this run{}: pass --resume to complete it, or use "
                                  "another OUT_DIR",
                                  where, shard_.count > 1 ? fmt::format(" (shard {})", shard_.index) : ""));
  }
  const std::string identity = fmt::format("{{\"fingerprint\": \"{}\", \"shard\": {}, \"shards\": {}}}\n", fingerprint,
                                           shard_.index, shard_.count);
  if (auto status = storage_->write(fmt::format("{}shard-{}.json", kStateDir, shard_tag(shard_)), identity); !status) {
    return status;
  }
  return load_resume_state(*outputs, *state);
}

Status OutputDir::load_resume_state(const std::vector<StoredObject>& outputs, const std::vector<StoredObject>& state) {
  const std::string tag = shard_tag(shard_);
  resume_.removed += storage_->remove_leftovers(tag);
  const std::regex final_name(fmt::format(R"((part|errors)-{}-(\d{{6}})\.parquet)", tag));
  std::set<std::string> present;
  for (const auto& object : outputs) {
    std::smatch m;
    if (!std::regex_match(object.name, m, final_name)) continue;
    auto kind = m[1].str() == "part" ? 0 : 1;
    next_sequence_[kind] = std::max<std::uint64_t>(next_sequence_[kind], std::stoull(m[2].str()) + 1);
    present.insert(object.name);
  }
  const std::regex sidecar_name(fmt::format(R"(_tiff_dumper/keys/((part|errors)-{}-\d{{6}}\.parquet)\.keys)", tag));
  std::vector<StoredObject> sidecars;
  for (const auto& object : state) {
    std::smatch m;
    if (!std::regex_match(object.name, m, sidecar_name)) continue;  // another shard's, or not a sidecar
    if (present.count(m[1].str()) == 0) {
      // The Parquet file never appeared: the commit was interrupted and its keys are not done.
      if (auto status = storage_->remove(object.name); !status) return status;
      ++resume_.removed;
      continue;
    }
    sidecars.push_back(object);
  }
  std::vector<std::uint64_t> hashes;
  auto read = storage_->read_each(sidecars, [&](const StoredObject& /*object*/, const std::string& text) -> Status {
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      hashes.push_back(stable_key_hash(unescape_key(std::string_view(text).substr(start, end - start))));
      start = end + 1;
    }
    ++resume_.files;
    return {};
  });
  if (!read) return read;
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
  file.name = fmt::format("{}-{}-{:06}.parquet", kind_prefix(kind), shard_tag(shard_), file.sequence);
  file.final_path = storage_->writer_path(file.name);
  file.keys_name = std::string(kKeysDir) + file.name + ".keys";
  if (!storage_->remote()) file.keys_path = storage_->describe(file.keys_name);
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
  return storage_->write(file.keys_name, text);
}

Status OutputDir::publish(const PlannedFile& file) const {
  return storage_->publish(file.name);
}

void OutputDir::discard(const PlannedFile& file) const {
  storage_->drop_staged(file.name);
  // Best effort: a sidecar left behind is removed by the next --resume.
  if (auto status = storage_->remove(file.keys_name); !status) {
    spdlog::warn("could not remove {}: {}", storage_->describe(file.keys_name), status.error().describe());
  }
}

std::vector<std::string> OutputDir::committed_files() const {
  std::vector<std::string> files;
  auto outputs = list_outputs(*storage_);
  if (!outputs) {
    spdlog::warn("cannot list the output files in {}: {}", storage_->location(), outputs.error().describe());
    return files;
  }
  const std::regex final_name(fmt::format(R"((part|errors)-{}-\d{{6}}\.parquet)", shard_tag(shard_)));
  for (const auto& object : *outputs) {
    if (std::regex_match(object.name, final_name)) files.push_back(object.name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string OutputDir::manifest_name() const {
  if (shard_.count <= 1) return "_SUCCESS";
  return fmt::format("_SUCCESS-{:05}-of-{:05}", shard_.index, shard_.count);
}

fs::path OutputDir::manifest_path() const {
  return storage_->describe(manifest_name());
}

Status OutputDir::write_manifest(const std::string& json) const {
  return storage_->write(manifest_name(), json);
}

}  // namespace tdump::output
