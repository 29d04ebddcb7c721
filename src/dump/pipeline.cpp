#include "dump/pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "dump/bounded_queue.hpp"
#include "dump/header_fetch.hpp"
#include "dump/inventory_schema.hpp"
#include "dump/output_dir.hpp"
#include "dump/row_encoder.hpp"
#include "http/engine.hpp"
#include "parquet/writer.hpp"
#include "store/client_options.hpp"
#include "store/key_file.hpp"

namespace tdump::dump {
namespace {

using Clock = std::chrono::steady_clock;

// A full batch on its way to the writer thread, with the keys its rows hold (for the sidecar).
struct WriteJob {
  FileKind kind = FileKind::kData;
  std::unique_ptr<parquet::ColumnBatch> batch;
  std::vector<std::string> keys;
};

// Rows appended from I/O threads; every `rows_per_file` rows the batch goes to the writer.
class BatchSink {
 public:
  BatchSink(FileKind kind, parquet::SchemaPtr schema, std::size_t rows_per_file, BoundedQueue<WriteJob>& writes)
      : kind_(kind), schema_(std::move(schema)), rows_per_file_(rows_per_file), writes_(writes) {
    batch_ = std::make_unique<parquet::ColumnBatch>(schema_);
  }

  // `encode(encoder, batch)` appends one row; it runs under the sink's lock.
  template <typename Encode>
  Status append(std::string_view key, Encode&& encode) {
    std::unique_lock lock(mutex_);
    Status status = encode(encoder_, *batch_);
    if (!status) return status;
    keys_.emplace_back(key);
    if (batch_->num_rows() >= rows_per_file_) hand_off(lock);
    return {};
  }

  void flush() {
    std::unique_lock lock(mutex_);
    if (batch_->num_rows() > 0) hand_off(lock);
  }

  // The writer gives batches back so their buffers are reused for the next file.
  void recycle(std::unique_ptr<parquet::ColumnBatch> batch) {
    batch->clear();
    std::lock_guard lock(spare_mutex_);
    spares_.push_back(std::move(batch));
  }

 private:
  void hand_off(std::unique_lock<std::mutex>& /*held*/) {
    WriteJob job{kind_, std::move(batch_), std::move(keys_)};
    keys_ = {};
    {
      std::lock_guard lock(spare_mutex_);
      if (!spares_.empty()) {
        batch_ = std::move(spares_.back());
        spares_.pop_back();
      }
    }
    if (!batch_) batch_ = std::make_unique<parquet::ColumnBatch>(schema_);
    // Blocks while the writer is two files behind: the disk sets the pace then.
    writes_.push(std::move(job));
  }

  FileKind kind_;
  parquet::SchemaPtr schema_;
  std::size_t rows_per_file_;
  BoundedQueue<WriteJob>& writes_;
  std::mutex mutex_;
  std::unique_ptr<parquet::ColumnBatch> batch_;
  std::vector<std::string> keys_;
  RowEncoder encoder_;
  std::mutex spare_mutex_;
  std::vector<std::unique_ptr<parquet::ColumnBatch>> spares_;
};

// Drops prefixes inside another listed prefix: their keys would be listed twice.
std::vector<std::string> normalize_prefixes(std::vector<std::string> prefixes) {
  if (prefixes.empty()) return {""};
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  std::vector<std::string> kept;
  for (auto& p : prefixes) {
    if (!kept.empty() && p.compare(0, kept.back().size(), kept.back()) == 0) continue;
    kept.push_back(std::move(p));
  }
  return kept;
}

parquet::Compression to_parquet(OutputCompression c) {
  switch (c) {
    case OutputCompression::kNone:
      return parquet::Compression::kUncompressed;
    case OutputCompression::kSnappy:
      return parquet::Compression::kSnappy;
    case OutputCompression::kZstd:
      return parquet::Compression::kZstd;
  }
  return parquet::Compression::kSnappy;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class Run {
 public:
  Run(const RunConfig& config, const RunOptions& options)
      : config_(config), options_(options), keys_(std::max<std::size_t>(config.max_buffer_size, 1)), writes_(2) {}

  Result<RunSummary> execute();

 private:
  Status open_store();
  void list_prefix(const std::string& prefix);
  void list_stream(store::ListStream& stream, const std::string& what);
  void record_list_error(const std::string& prefix, const Error& error);
  void dispatch();
  void on_header(HeaderFetch& fetch);
  void release(HeaderFetch& fetch);
  void write_loop();
  Status write_job(WriteJob& job, parquet::ParquetWriter& writer);
  void request_stop();
  bool stopping() const { return internal_stop_.load() || (options_.stop != nullptr && options_.stop->load()); }
  void fatal(Error error);
  nlohmann::json manifest(const RunSummary& summary) const;

  const RunConfig& config_;
  const RunOptions& options_;
  std::shared_ptr<http::Engine> engine_;
  std::unique_ptr<store::ObjectStore> store_;
  std::optional<OutputDir> out_;
  std::optional<KeyFilter> filter_;
  Counters counters_;
  std::string fingerprint_;
  std::string started_;

  BoundedQueue<store::ObjectMeta> keys_;
  std::atomic<std::size_t> active_listers_{0};
  std::atomic<std::size_t> failed_listers_{0};

  FetchSettings fetch_settings_;
  std::optional<tiff::HeaderParser> parser_;
  std::vector<std::unique_ptr<HeaderFetch>> fetches_;
  std::vector<HeaderFetch*> free_fetches_;
  std::mutex free_mutex_;
  std::condition_variable free_cv_;

  BoundedQueue<WriteJob> writes_;
  geo::GeoSummary geo_summary_;  // writer thread only
  std::optional<BatchSink> data_sink_;
  std::optional<BatchSink> error_sink_;
  std::mutex stage_mutex_;
  std::map<std::string, std::uint64_t> errors_by_stage_;

  std::atomic<bool> internal_stop_{false};
  std::mutex fatal_mutex_;
  std::optional<Error> fatal_;  // the first fatal error; read after the threads are joined
  std::atomic<bool> failed_{false};
};

void Run::fatal(Error error) {
  {
    std::lock_guard lock(fatal_mutex_);
    if (!fatal_) fatal_ = std::move(error);
  }
  failed_ = true;
  request_stop();
}

void Run::request_stop() {
  internal_stop_ = true;
  keys_.close_and_drain();
  free_cv_.notify_all();
}

Status Run::open_store() {
  store::StoreOptions store_options;
  store_options.values = config_.store_options;
  http::ClientConfig base;
  base.loops = config_.io_threads;
  base.retry.max_retries = config_.max_retries;
  base.retry.init_backoff = config_.init_backoff;
  base.retry.max_backoff = config_.max_backoff;
  base.retry.retry_timeout = config_.retry_timeout;
  auto client = store::client_config_from_options(store_options, base);
  if (!client) return std::move(client).error();
  auto engine = http::Engine::create(*client);
  if (!engine) return std::move(engine).error();
  engine_ = std::shared_ptr<http::Engine>(std::move(engine).value());
  auto store = store::open_store(config_.store_name, store_options, engine_);
  if (!store) return std::move(store).error();
  store_ = std::move(store).value();
  return {};
}

void Run::record_list_error(const std::string& prefix, const Error& error) {
  spdlog::warn("listing {} failed: {}", store_->url_for(prefix), error.describe());
  // A prefix that could not be listed is a failure of the run like a key that could not be read:
  // it counts in `failed`, so the run ends with exit code 1, not 0.
  ++counters_.failed;
  if (options_.dry_run || !error_sink_) return;
  store::ObjectMeta meta;
  meta.key = prefix;
  auto url = store_->url_for(prefix);
  auto status = error_sink_->append(prefix, [&](RowEncoder& encoder, parquet::ColumnBatch& batch) {
    return encoder.append_error(batch, meta, url, Stage::kList, to_string(error.code), error, error.attempts);
  });
  if (!status) fatal(std::move(status).error());
  std::lock_guard lock(stage_mutex_);
  ++errors_by_stage_["list"];
}

void Run::list_stream(store::ListStream& stream, const std::string& what) {
  bool any_page = false;
  while (!stopping()) {
    auto page = stream.next();
    if (!page) {
      if (!any_page) ++failed_listers_;
      record_list_error(what, page.error());
      return;
    }
    if (!page->has_value()) return;
    any_page = true;
    for (auto& meta : (*page)->objects) {
      if (!filter_->accepts(meta.key)) continue;
      ++counters_.listed;
      if (out_ && out_->already_done(meta.key)) {
        ++counters_.skipped_done;
        continue;
      }
      if (options_.dry_run) continue;
      if (!keys_.push(std::move(meta))) return;  // closed: the run is stopping
    }
  }
}

void Run::list_prefix(const std::string& prefix) {
  auto stream = store_->list(prefix, config_.list_chunk_size);
  list_stream(*stream, prefix);
}

void Run::dispatch() {
  while (true) {
    HeaderFetch* fetch = nullptr;
    {
      std::unique_lock lock(free_mutex_);
      free_cv_.wait(lock, [&] { return !free_fetches_.empty() || stopping(); });
      if (stopping()) return;
      fetch = free_fetches_.back();
      free_fetches_.pop_back();
    }
    auto meta = keys_.pop();
    if (!meta) {
      std::lock_guard lock(free_mutex_);
      free_fetches_.push_back(fetch);
      return;
    }
    ++counters_.in_flight;
    fetch->start(*store_, std::move(*meta), fetch_settings_, *parser_, [this](HeaderFetch& f) { on_header(f); });
  }
}

void Run::on_header(HeaderFetch& fetch) {
  const auto& meta = fetch.meta();
  const std::string url = store_->url_for(meta.key);
  Status status;
  if (fetch.ok()) {
    // The geo columns are derived here, on this I/O thread with its own CRS cache, before the
    // sink's lock is taken.
    const geo::GeoFacts& geo_facts =
        geo::thread_geo_deriver().derive(fetch.header(), fetch.header().ifds.front(), fetch.geokeys());
    status = data_sink_->append(meta.key, [&](RowEncoder& encoder, parquet::ColumnBatch& batch) {
      return encoder.append_data(batch, meta, url, fetch.header(), fetch.geokeys(), fetch.facts(), &geo_facts);
    });
    if (status) {
      ++counters_.done;
    } else {
      // A header the row encoder cannot represent: still exactly one row for the key.
      auto error = make_error(ErrorCode::kInternal, "cannot encode the row: " + status.error().message);
      status = error_sink_->append(meta.key, [&](RowEncoder& encoder, parquet::ColumnBatch& batch) {
        return encoder.append_error(batch, meta, url, Stage::kParse, "unencodable", error, fetch.facts().attempts);
      });
      ++counters_.failed;
      std::lock_guard lock(stage_mutex_);
      ++errors_by_stage_["parse"];
    }
  } else {
    status = error_sink_->append(meta.key, [&](RowEncoder& encoder, parquet::ColumnBatch& batch) {
      return encoder.append_error(batch, meta, url, fetch.failed_stage(), fetch.error_kind(), fetch.error(),
                                  fetch.facts().attempts);
    });
    ++counters_.failed;
    std::lock_guard lock(stage_mutex_);
    ++errors_by_stage_[std::string(to_string(fetch.failed_stage()))];
  }
  if (!status) fatal(std::move(status).error());
  counters_.bytes += fetch.facts().header_bytes;
  counters_.requests += fetch.facts().requests;
  release(fetch);
}

void Run::release(HeaderFetch& fetch) {
  // On the engine's loop thread: start the next key on this fetch right here when one is queued.
  // The loop picks up its own submissions without a wake-up, so a busy run costs no thread
  // hand-off per header. Bounded nesting: an empty object finishes inside start() itself.
  thread_local int chain_depth = 0;
  if (chain_depth < 8 && !stopping()) {
    if (auto meta = keys_.try_pop()) {
      ++chain_depth;
      fetch.start(*store_, std::move(*meta), fetch_settings_, *parser_, [this](HeaderFetch& f) { on_header(f); });
      --chain_depth;
      return;
    }
  }
  {
    std::lock_guard lock(free_mutex_);
    free_fetches_.push_back(&fetch);
    --counters_.in_flight;
  }
  free_cv_.notify_all();
}

Status Run::write_job(WriteJob& job, parquet::ParquetWriter& writer) {
  auto file = out_->plan(job.kind);
  if (auto s = out_->write_keys(file, job.keys); !s) return s;
  Status status = writer.open(file.final_path);
  if (status) status = writer.write(*job.batch);
  if (status) {
    parquet::KeyValueList file_metadata;
    // GeoParquet: every data file says how to read `geometry`, and covers its rows' bboxes.
    if (job.kind == FileKind::kData) file_metadata.emplace_back("geo", geoparquet_metadata(*job.batch, geo_summary_));
    status = writer.close(file_metadata);
  }
  if (!status) {
    writer.abort();
    out_->discard(file);
    return status;
  }
  // Remote OUT_DIR: the PUT of the closed file is the commit (a no-op locally: close renamed it).
  if (auto published = out_->publish(file); !published) return published;
  spdlog::debug("wrote {} ({} rows)", file.final_path.string(), job.batch->num_rows());
  return {};
}

void Run::write_loop() {
  parquet::WriterOptions options;
  options.compression = to_parquet(config_.compression);
  options.fsync = !out_->remote();  // a staged file is PUT, then deleted: its durability on disk is moot
  options.zstd_level = config_.compression_level;
  options.max_row_group_rows = config_.row_group_size != 0 ? config_.row_group_size : config_.write_chunk_size;
  options.key_value_metadata = {
      {"tiff_dumper.schema_version", std::to_string(kSchemaVersion)},
      {"tiff_dumper.run", fingerprint_},
      {"tiff_dumper.store", store_->url_for("")},
  };
  auto data_writer = parquet::ParquetWriter::make(data_columns().schema, options);
  auto error_writer = parquet::ParquetWriter::make(error_columns().schema, options);
  if (!data_writer.ok() || !error_writer.ok()) {
    fatal(data_writer.ok() ? error_writer.error() : data_writer.error());
    while (writes_.pop()) {
    }
    return;
  }
  while (auto job = writes_.pop()) {
    if (failed_.load()) continue;  // after a fatal error: drain, so no producer blocks
    auto& writer = job->kind == FileKind::kData ? **data_writer : **error_writer;
    if (auto status = write_job(*job, writer); !status) {
      fatal(std::move(status).error());
      continue;
    }
    (job->kind == FileKind::kData ? *data_sink_ : *error_sink_).recycle(std::move(job->batch));
  }
}

nlohmann::json Run::manifest(const RunSummary& s) const {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : s.files) files.push_back(f);
  return {
      {"tool", "tiff-dumper"},
      {"version", TDUMP_VERSION},
      {"schema_version", kSchemaVersion},
      {"run", fingerprint_},
      {"started", started_},
      {"finished", utc_now()},
      {"seconds", s.seconds},
      {"store", store_->url_for("")},
      {"prefixes", config_.prefixes},
      {"shard", {{"index", options_.shard.index}, {"count", options_.shard.count}}},
      {"files", files},
      {"rows", s.done + s.skipped_done},
      {"listed", s.listed},
      {"written_this_attempt", s.done},
      {"errors_this_attempt", s.failed},
      {"resumed_past", s.skipped_done},
      {"errors_by_stage", s.errors_by_stage},
      {"header_bytes", s.bytes},
      {"requests", s.requests},
      {"settings",
       {{"n_consumers", config_.n_consumers},
        {"list_chunk_size", config_.list_chunk_size},
        {"max_buffer_size", config_.max_buffer_size},
        {"write_chunk_size", config_.write_chunk_size},
        {"prefetch", config_.prefetch},
        {"max_header_bytes", config_.max_header_bytes},
        {"io_threads", config_.io_threads},
        {"suffixes", config_.suffixes},
        {"include", config_.include},
        {"exclude", config_.exclude}}},
  };
}

Result<RunSummary> Run::execute() {
  const auto t0 = Clock::now();
  started_ = utc_now();
  fingerprint_ = run_fingerprint(config_, options_);
  if (auto s = open_store(); !s) return std::move(s).error();

  if (!options_.dry_run || options_.resume) {
    OutputStoreSettings out_settings;
    out_settings.options =
        output_store_options(config_.store_name, config_.store_options, options_.out_dir, config_.output_store_options);
    out_settings.retry.max_retries = config_.max_retries;
    out_settings.retry.init_backoff = config_.init_backoff;
    out_settings.retry.max_backoff = config_.max_backoff;
    out_settings.retry.retry_timeout = config_.retry_timeout;
    auto out = OutputDir::open(options_.out_dir, out_settings, options_.shard, fingerprint_, options_.resume);
    if (!out) return std::move(out).error();
    out_.emplace(std::move(out).value());
    if (out_->resume_state().files > 0) {
      spdlog::info("resuming: {} files already hold {} keys", out_->resume_state().files, out_->resume_state().keys);
    }
  }
  filter_.emplace(KeyFilterOptions{config_.suffixes, config_.include, config_.exclude, options_.shard});

  fetch_settings_.prefetch = config_.prefetch;
  fetch_settings_.limits.max_header_bytes = config_.max_header_bytes;
  // Keep files with legacy 8-bit text: the row encoder turns it into UTF-8 instead of failing.
  fetch_settings_.limits.strict_ascii = false;
  parser_.emplace(fetch_settings_.limits);
  const std::size_t consumers = std::max<std::uint64_t>(config_.n_consumers, 1);
  fetches_.reserve(consumers);
  for (std::size_t i = 0; i < consumers; ++i) {
    fetches_.push_back(std::make_unique<HeaderFetch>());
    free_fetches_.push_back(fetches_.back().get());
  }
  data_sink_.emplace(FileKind::kData, data_columns().schema, config_.write_chunk_size, writes_);
  error_sink_.emplace(FileKind::kErrors, error_columns().schema, config_.write_chunk_size, writes_);

  ProgressReporter progress(counters_, options_.progress, stderr);
  std::thread writer;
  if (!options_.dry_run) writer = std::thread([this] { write_loop(); });

  // Listers: one thread per prefix (or one over the key file); the last one closes the queue.
  std::vector<std::thread> listers;
  std::unique_ptr<store::ListStream> key_stream;
  std::vector<std::string> prefixes;
  if (options_.keys_file) {
    auto stream = store::keys_from_file(*options_.keys_file, *store_, config_.list_chunk_size);
    if (!stream) {
      request_stop();
      if (writer.joinable()) {
        writes_.close();
        writer.join();
      }
      return std::move(stream).error();
    }
    key_stream = std::move(stream).value();
  } else {
    prefixes = normalize_prefixes(config_.prefixes);
  }
  const std::size_t lister_count = key_stream ? 1 : prefixes.size();
  active_listers_ = lister_count;
  auto lister_done = [this] {
    if (--active_listers_ == 0) {
      counters_.listing_done = true;
      keys_.close();
    }
  };
  if (key_stream) {
    listers.emplace_back([&, lister_done] {
      list_stream(*key_stream, *options_.keys_file);
      lister_done();
    });
  } else {
    for (const auto& prefix : prefixes) {
      listers.emplace_back([&, prefix, lister_done] {
        list_prefix(prefix);
        lister_done();
      });
    }
  }

  // A stop request (signal) closes the key queue: listers and the dispatcher wind down.
  std::atomic<bool> finished{false};
  std::thread stop_watch([&] {
    while (!finished.load()) {
      if (options_.stop != nullptr && options_.stop->load() && !internal_stop_.load()) {
        spdlog::warn("stopping: finishing the headers in flight and writing what is done");
        request_stop();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  if (!options_.dry_run) dispatch();
  for (auto& t : listers) t.join();
  // Everything started finishes (each read is bounded by the engine's timeouts and retries).
  {
    std::unique_lock lock(free_mutex_);
    free_cv_.wait(lock, [&] { return free_fetches_.size() == fetches_.size(); });
  }
  finished = true;
  stop_watch.join();
  if (!options_.dry_run) {
    data_sink_->flush();
    error_sink_->flush();
    writes_.close();
    writer.join();
  }
  progress.stop();

  RunSummary summary;
  summary.listed = counters_.listed;
  summary.skipped_done = counters_.skipped_done;
  summary.done = counters_.done;
  summary.failed = counters_.failed;
  summary.bytes = counters_.bytes;
  summary.requests = counters_.requests;
  summary.errors_by_stage = errors_by_stage_;
  summary.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  summary.interrupted = stopping();
  if (out_) summary.files = out_->committed_files();

  if (fatal_) return *fatal_;
  if (lister_count > 0 && failed_listers_ == lister_count && counters_.listed == 0) {
    return make_error(ErrorCode::kNotFound, fmt::format("listing {} failed; see the error rows in {} or the log above",
                                                        store_->url_for(""), options_.out_dir));
  }
  if (!summary.interrupted && !options_.dry_run) {
    if (auto s = out_->write_manifest(manifest(summary).dump(2) + "\n"); !s) return std::move(s).error();
    summary.manifest = out_->manifest_path();
  }
  engine_->shutdown();
  return summary;
}

}  // namespace

std::string run_fingerprint(const RunConfig& config, const RunOptions& /*options*/) {
  // What decides which keys belong to the run. Credentials, concurrency and output settings may
  // change between attempts; the key file may too (feeding back the rest of the keys).
  nlohmann::json identity = {
      {"store", config.store_name},  {"prefixes", normalize_prefixes(config.prefixes)},
      {"suffixes", config.suffixes}, {"include", config.include},
      {"exclude", config.exclude},
  };
  return fmt::format("{:016x}", stable_key_hash(identity.dump()));
}

Result<RunSummary> run_headers(const RunConfig& config, const RunOptions& options) {
  Run run(config, options);
  return run.execute();
}

}  // namespace tdump::dump
