#pragma once
// OUT_DIR bookkeeping: file names, the commit protocol that makes `--resume` exact after a
// kill -9, and the refusal to mix two different runs in one directory.
//
// Layout (one shard I of N; an unsharded run is shard 0 of 1):
//   part-IIIII-SSSSSS.parquet, errors-IIIII-SSSSSS.parquet     the output (what readers glob)
//   _tiff_dumper/shard-IIIII.json                               the run identity of the shard
//   _tiff_dumper/keys/<file>.keys                               the keys each committed file holds
//   _SUCCESS (unsharded) or _SUCCESS-IIIII-of-NNNNN (sharded)   the manifest, written last
// A file's keys are written (and fsynced) BEFORE the Parquet file is renamed to its final name:
// the rename is the commit point. On resume, a keys file whose Parquet file does not exist is
// an interrupted commit and is removed; temp files are removed; every other key is done.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "dump/key_filter.hpp"

namespace tdump::dump {

enum class FileKind : std::uint8_t { kData, kErrors };

struct PlannedFile {
  FileKind kind = FileKind::kData;
  std::uint64_t sequence = 0;
  std::filesystem::path final_path;  // where the Parquet file must end up
  std::filesystem::path keys_path;   // its keys sidecar
};

struct ResumeState {
  std::uint64_t files = 0;    // committed files found for this shard
  std::uint64_t keys = 0;     // keys they hold
  std::uint64_t removed = 0;  // temp files and orphan sidecars removed
};

class OutputDir {
 public:
  // Opens (creating if needed) `dir` for shard `shard` of the run identified by `fingerprint`
  // (a stable text of what defines the run: store, prefixes, filters, shard count).
  // Without `resume`, refuses a directory holding this shard's output or another run's output.
  // With `resume`, loads the done keys of this shard and cleans interrupted commits.
  static Result<OutputDir> open(const std::filesystem::path& dir, Shard shard, const std::string& fingerprint,
                                bool resume);

  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }
  [[nodiscard]] const ResumeState& resume_state() const { return resume_; }
  // True when a previous attempt of this run already wrote the key (data or error row).
  [[nodiscard]] bool already_done(std::string_view key) const;

  // Names the next file of a kind (sequence numbers continue after a resume).
  PlannedFile plan(FileKind kind);
  // Step 1 of a commit: persist the keys of the file about to be renamed into place.
  Status write_keys(const PlannedFile& file, const std::vector<std::string>& keys) const;
  // Undo step 1 when the Parquet write failed.
  void discard(const PlannedFile& file) const;

  // Every committed output file of this shard (names relative to the dir), sorted.
  [[nodiscard]] std::vector<std::string> committed_files() const;
  [[nodiscard]] std::filesystem::path manifest_path() const;
  // Writes `json` to the manifest path atomically.
  Status write_manifest(const std::string& json) const;

  // A key as stored in a sidecar line: '%', '\n' and '\r' percent-encoded.
  static std::string escape_key(std::string_view key);
  static std::string unescape_key(std::string_view line);

 private:
  OutputDir(std::filesystem::path dir, Shard shard) : dir_(std::move(dir)), shard_(shard) {}
  Status load_resume_state();

  std::filesystem::path dir_;
  Shard shard_;
  std::vector<std::uint64_t> done_hashes_;  // sorted stable_key_hash of done keys
  std::uint64_t next_sequence_[2] = {1, 1};
  ResumeState resume_;
};

}  // namespace tdump::dump
