#pragma once
// OUT_DIR bookkeeping: file names, the commit protocol that makes `--resume` exact after a
// kill -9, and the refusal to mix two different runs in one directory. OUT_DIR is a local
// folder or a store prefix (s3://bucket/out...); both have the same layout and protocol
// (dump/output_storage.hpp holds what differs).
//
// Layout (one shard I of N; an unsharded run is shard 0 of 1):
//   part-IIIII-SSSSSS.parquet, errors-IIIII-SSSSSS.parquet     the output (what readers glob)
//   _tiff_dumper/shard-IIIII.json                               the run identity of the shard
//   _tiff_dumper/keys/<file>.keys                               the keys each committed file holds
//   _SUCCESS (unsharded) or _SUCCESS-IIIII-of-NNNNN (sharded)   the manifest, written last
// A file's keys are written (fsynced, or PUT) BEFORE the Parquet file appears under its final
// name (a rename locally, a PUT of the staged file remotely): that is the commit point. On
// resume, a keys file whose Parquet file does not exist is an interrupted commit and is
// removed; local temp files are removed; every other key is done.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/shard.hpp"
#include "output/output_storage.hpp"

namespace tdump::output {

enum class FileKind : std::uint8_t { kData, kErrors };

struct PlannedFile {
  FileKind kind = FileKind::kData;
  std::uint64_t sequence = 0;
  std::string name;                  // "part-00000-000001.parquet", relative to OUT_DIR
  std::filesystem::path final_path;  // where the Parquet writer writes it (OUT_DIR, or the staging folder)
  std::string keys_name;             // "_tiff_dumper/keys/<name>.keys"
  std::filesystem::path keys_path;   // the keys sidecar of a local OUT_DIR
};

struct ResumeState {
  std::uint64_t files = 0;    // committed files found for this shard
  std::uint64_t keys = 0;     // keys they hold
  std::uint64_t removed = 0;  // temp files and orphan sidecars removed
};

class OutputDir {
 public:
  // Opens (creating if needed) the local folder `dir` for shard `shard` of the run identified
  // by `fingerprint` (a stable text of what defines the run: store, prefixes, filters, shard
  // count). Without `resume`, refuses a directory holding this shard's output or another run's
  // output. With `resume`, loads the done keys of this shard and cleans interrupted commits.
  static Result<OutputDir> open(const std::filesystem::path& dir, Shard shard, const std::string& fingerprint,
                                bool resume);
  // The same for OUT_DIR given as a path or a store URL (dump/output_storage.hpp).
  static Result<OutputDir> open(const std::string& location, const OutputStoreSettings& settings, Shard shard,
                                const std::string& fingerprint, bool resume);
  // The same over an opened storage.
  static Result<OutputDir> open(std::unique_ptr<OutputStorage> storage, Shard shard, const std::string& fingerprint,
                                bool resume);

  // OUT_DIR as given (path or URL).
  [[nodiscard]] const std::string& location() const { return storage_->location(); }
  [[nodiscard]] bool remote() const { return storage_->remote(); }
  // The storage underneath, for what lives in OUT_DIR beside the outputs (the shard plan).
  [[nodiscard]] OutputStorage& storage() const { return *storage_; }
  [[nodiscard]] const ResumeState& resume_state() const { return resume_; }
  // True when a previous attempt of this run already wrote the key (data or error row).
  [[nodiscard]] bool already_done(std::string_view key) const;

  // Names the next file of a kind (sequence numbers continue after a resume).
  PlannedFile plan(FileKind kind);
  // Step 1 of a commit: persist the keys of the file about to be made visible.
  Status write_keys(const PlannedFile& file, const std::vector<std::string>& keys) const;
  // Step 2, after the Parquet writer closed the file: make it visible under its final name
  // (nothing locally: the writer's rename did it; one PUT of the staged file remotely). A
  // failure leaves the keys sidecar in place: whether the file landed is for a resume to see.
  Status publish(const PlannedFile& file) const;
  // Undo step 1 when the Parquet write failed (the file was never published).
  void discard(const PlannedFile& file) const;

  // Every committed output file of this shard (names relative to the dir), sorted.
  [[nodiscard]] std::vector<std::string> committed_files() const;
  // The manifest's full path or URL.
  [[nodiscard]] std::filesystem::path manifest_path() const;
  // Writes `json` to the manifest atomically.
  Status write_manifest(const std::string& json) const;

  // A key as stored in a sidecar line: '%', '\n' and '\r' percent-encoded.
  static std::string escape_key(std::string_view key);
  static std::string unescape_key(std::string_view line);

 private:
  OutputDir(std::unique_ptr<OutputStorage> storage, Shard shard) : storage_(std::move(storage)), shard_(shard) {}
  Status check_and_claim(const std::string& fingerprint, bool resume);
  Status load_resume_state(const std::vector<StoredObject>& outputs, const std::vector<StoredObject>& state);
  [[nodiscard]] std::string manifest_name() const;

  std::unique_ptr<OutputStorage> storage_;
  Shard shard_;
  std::vector<std::uint64_t> done_hashes_;  // sorted stable_key_hash of done keys
  std::uint64_t next_sequence_[2] = {1, 1};
  ResumeState resume_;
};

}  // namespace tdump::output
