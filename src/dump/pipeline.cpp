#include "dump/pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <stop_token>
#include <thread>

#include "dump/batch_sink.hpp"
#include "dump/bounded_queue.hpp"
#include "dump/header_fetch.hpp"
#include "dump/shard_lease.hpp"
#include "dump/shard_plan.hpp"
#include "http/engine.hpp"
#include "output/output_dir.hpp"
#include "parquet/writer.hpp"
#include "report/aggregates.hpp"
#include "schema/inventory_schema.hpp"
#include "schema/row_encoder.hpp"
#include "store/client_options.hpp"
#include "store/common/display_key.hpp"
#include "store/common/time_format.hpp"
#include "store/key_file.hpp"

namespace tdump::dump {
namespace {

using Clock = std::chrono::steady_clock;

// What one queued key costs in the key buffer: its strings and their bookkeeping.
std::size_t queued_bytes(const store::ObjectMeta& meta) {
  return sizeof(store::ObjectMeta) + 2 * sizeof(void*) + meta.key.size() + meta.etag.size();
}

// What a key in flight costs beyond the fixed buffers of a read: a read holds its key about ten
// times over (the fetch's copy, the request URL and its display form, libcurl's copies of the
// URL, its parsed path and the HTTP/1.1 request line it builds). Measured: 1,000 reads of 60 KB
// keys held ~590 MB more than 16 did.
constexpr std::size_t kInFlightKeyCopies = 10;
std::size_t in_flight_bytes(const store::ObjectMeta& meta) {
  return kInFlightKeyCopies * meta.key.size();
}

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

// One `headers` run (the data flow: ARCHITECTURE.md; what a stop does: README "Stopping").
//
// THREADS, and what each one owns:
// - main: the caller of execute(). Everything is set up on it before any other thread starts
//   (store, OUT_DIR, the listing, fetches, sinks); then it runs dispatch() (queued keys onto free
//   fetches), waits for the run to go quiet (listers joined, nothing in flight), has the writer
//   finish and writes the manifest.
// - listers: up to `list_parallelism` std::jthreads (one for a key file): list, filter, push keys, and
//   write error rows of the listing through the sinks. The last one to finish closes keys_.
// - loops: the engine's I/O threads (src/http/engine.hpp). A read's callbacks, on_header() and
//   release(), run there; a finished fetch starts the next queued key on the same loop.
// - writer: one std::jthread running write_loop(), the only writer of Parquet files and OUT_DIR
//   commits. Its stop token closes writes_, so it drains what is queued and ends.
// - watcher: one std::jthread running watch_stop(): waits (in poll(), no timeout) for the first
//   signal or for its own stop token, then bounds what is in flight with the grace period.
// - progress: the ProgressReporter's thread (dump/progress.hpp), started and stopped by main in
//   execute(); it only reads counters_.
// The threads are members declared last: a std::jthread's destructor asks for a stop and joins,
// so on every way out of execute() they end before any member they use is destroyed.
class Run {
 public:
  Run(const RunConfig& config, const RunOptions& options)
      : config_(config),
        options_(options),
        keys_(std::max<std::size_t>(config.max_buffer_size, 1), config.max_buffer_bytes, queued_bytes),
        writes_(2) {}

  // The whole run: the steps below, in order, on the calling (main) thread.
  Result<RunSummary> execute();

 private:
  // One unit of listing: a prefix, or this shard's key ranges of it (a shard plan's).
  struct ListItem {
    std::string prefix;
    std::vector<store::KeyRange> ranges;           // empty: the whole prefix
    std::shared_ptr<const store::KeyShape> shape;  // a shard plan's, for its splits
    // A shard's ranges of several prefixes, listed as one listing (ListOptions::parts); `prefix`
    // is then what they share, for messages.
    std::vector<store::ListPart> parts;
  };

  // --- The steps of execute(), each on the main thread ---
  // Opens the engine and the store of the keys.
  Status open_store();
  // Where OUT_DIR lives and how it retries (the store's options, or the output's own).
  [[nodiscard]] output::OutputStoreSettings output_settings() const;
  // Opens OUT_DIR (not for a plain dry run) and reads what a resume can skip.
  Status open_out_dir(const output::OutputStoreSettings& out_settings);
  // Decides what the listers read: the key file, or the listing (with a shard plan: this
  // shard's ranges); sets the key filter and the lister counts.
  Status plan_keys(const output::OutputStoreSettings& out_settings);
  // The listing of this run (and shard): every prefix whole, or this shard's ranges of the
  // OUT_DIR's plan (dump/shard_plan.hpp); false in `hash_shards` when the plan divides the keys.
  Result<std::vector<ListItem>> plan_listing(const output::OutputStoreSettings& out_settings, bool& hash_shards);
  // Makes the n_consumers fetches (all free) and the two row sinks.
  void prepare_reads();
  // Starts the writer (unless a dry run), the listers and the stop watcher.
  void start_threads();
  // Feeds keys to the fetches until the listing ends or a stop; returns once the listers are
  // joined and nothing is in flight, with the watcher stopped and joined.
  void run_reads();
  // Hands the last partial batches to the writer and waits until it has written them.
  void finish_writes();
  // The summary; the run's error when there is one; the manifest of a complete run.
  Result<RunSummary> finish(Clock::duration elapsed);

  // --- Listers ---
  void lister_main(const std::stop_token& token);
  void list_items(std::size_t parallelism);
  void list_stream(store::ListStream& stream, const std::string& what);
  void record_list_error(const std::string& prefix, const Error& error);
  void record_untrusted_entry(const store::ObjectMeta& meta, const std::string& why);

  // --- Reads: dispatch() on main, the rest on the loops ---
  void dispatch();
  void on_header(HeaderFetch& fetch);
  void release(HeaderFetch& fetch);
  // Appends an error row for `meta`; if even that cannot be encoded, a bare one (path, url,
  // stage, kind, message). Never fails the run: a key whose row cannot be written is logged.
  // Any thread (listers, loops).
  void append_error_row(const store::ObjectMeta& meta, const std::string& url, schema::Stage stage,
                        std::string_view kind, const Error& error, std::uint32_t attempts);
  void note_row_warnings(std::string_view key, const std::vector<std::string>& warnings);
  [[nodiscard]] bool fits_in_flight(std::size_t cost) const {
    const std::size_t now = in_flight_bytes_.load(std::memory_order_acquire);
    return now == 0 || now + cost <= config_.max_buffer_bytes;
  }

  // --- Writer ---
  void write_loop();
  Status write_job(WriteJob& job, parquet::ParquetWriter& writer);

  // --- Stops: any thread ---
  // The first SIGINT/SIGTERM (options_.stop) or the end of the run, whichever comes first;
  // after a stop, the grace period for what is in flight. The watcher thread.
  void watch_stop(const std::stop_token& token);
  void request_stop();
  bool stopping() const {
    return internal_stop_.requested() || (options_.stop != nullptr && options_.stop->requested());
  }
  void fatal(Error error);
  nlohmann::json manifest(const RunSummary& summary) const;

  // Set before any thread starts, read-only after (options_.stop is a StopSignal: thread-safe).
  const RunConfig& config_;
  const RunOptions& options_;
  std::string fingerprint_;
  std::string started_;
  // Set before any thread starts; both are thread-safe (engine contract, src/http/engine.hpp).
  // The watcher may shutdown() the engine when the grace period ends; main does at the end.
  std::shared_ptr<http::Engine> engine_;
  std::unique_ptr<store::ObjectStore> store_;
  // Opened before any thread starts. Then the writer is its only user that changes it; listers
  // call the const already_done(); main reads committed_files() after the writer is joined.
  std::optional<output::OutputDir> out_;
  // The shard's heartbeat: started by main in open_out_dir(), finished by main in finish(); its
  // own jthread writes the lease file (an early return leaves it to the destructor, which
  // records "failed"; dump/shard_lease.hpp).
  std::unique_ptr<ShardLease> lease_;
  std::optional<KeyFilter> filter_;  // set before any thread starts; listers read it
  Counters counters_;                // atomics: every thread adds, the progress thread reads

  // --- The listing ---
  // Set before the listers start, read-only after.
  std::vector<ListItem> items_;                    // what the listers list (empty with a key file)
  std::unique_ptr<store::ListStream> key_stream_;  // the key file; read by the one lister
  std::size_t lister_count_ = 0;                   // listers to start
  std::size_t per_listing_ = 1;                    // LIST requests in flight per listing
  std::size_t stream_count_ = 0;                   // listings in all (items, or the key file)
  std::size_t plan_ranges_ = 0;                    // this shard's plan ranges (0: no plan)
  std::size_t plan_total_ranges_ = 0;              // the whole plan's ranges (0: no plan)
  bool plan_made_here_ = false;                    // the plan was made by this run
  std::atomic<std::size_t> next_item_{0};          // atomic: listers take items_ one by one
  std::atomic<std::size_t> active_listers_{0};     // atomic: the last lister to end closes keys_
  std::atomic<std::size_t> failed_listers_{0};     // listers add; main reads after they are joined: streams
                                                   // that failed before their first page
  std::atomic<std::uint64_t> list_requests_{0};    // listers add (and a plan made here); main reads after
                                                   // they are joined: LIST requests of the run
  // Internally locked: listers push, main (dispatch) and loops (release) pop; any stop closes it.
  BoundedQueue<store::ObjectMeta> keys_;

  // --- Reads ---
  tiff::SessionLimits fetch_limits_;                   // set before any thread starts
  std::vector<std::unique_ptr<HeaderFetch>> fetches_;  // made before any thread starts; a fetch
                                                       // belongs to whoever took it off free_fetches_
                                                       // until release() puts it back
  std::mutex free_mutex_;
  std::vector<HeaderFetch*> free_fetches_;  // guarded by free_mutex_
  std::condition_variable free_cv_;         // with free_mutex_: a fetch came back, or a stop
  // Atomic: main and loops add, loops subtract. The keys in flight are held to max_buffer_bytes
  // too (in_flight_bytes() each): a fetch starts when its key fits, or when nothing is in
  // flight. Checked and added in two steps, so loops racing may pass it by a key each.
  std::atomic<std::size_t> in_flight_bytes_{0};

  // --- Rows ---
  // Internally locked: the sinks push full batches (any thread), the writer pops.
  BoundedQueue<WriteJob> writes_;
  // Emplaced before any thread starts. append() is thread-safe (listers, loops); main flushes
  // them once the listers are joined and nothing is in flight.
  std::optional<BatchSink> data_sink_;
  std::optional<BatchSink> error_sink_;
  geo::GeoSummary geo_summary_;  // writer thread only
  std::mutex stage_mutex_;
  std::map<std::string, std::uint64_t> errors_by_stage_;  // guarded by stage_mutex_; main reads after the joins
  std::atomic<std::uint64_t> rows_with_warnings_{0};      // atomic: listers and loops count
  std::atomic<std::uint64_t> abandoned_{0};               // atomic: loops count
  report::SharedAggregates aggregates_;                   // internally locked: the report's statistics (src/report)

  // --- Stops ---
  // Stops of our own (a fatal error, or the watcher acting on options_.stop), requested from any
  // thread: readable from the first request on, so a lister waiting on a FIFO of keys wakes at once.
  StopSignal internal_stop_;
  StopSignal watcher_wake_;  // set by the watcher's stop callback (main, at the end of the run): ends its poll()
  std::mutex quiet_mutex_;
  std::condition_variable_any quiet_cv_;  // with quiet_mutex_: the watcher waits the grace period on it
  bool quiet_ = false;                    // guarded by quiet_mutex_: listers joined, nothing in flight
  std::mutex fatal_mutex_;
  std::optional<Error> fatal_;       // guarded by fatal_mutex_; main reads it after the joins
  std::atomic<bool> failed_{false};  // atomic: any thread sets it (fatal()), the writer checks it per job

  // --- Threads (last: destroyed, so stopped and joined, first) ---
  std::jthread writer_;                // main starts it and, in finish_writes(), joins it
  std::vector<std::jthread> listers_;  // main starts them and, in run_reads(), joins them
  std::jthread watcher_;               // main starts it and, in run_reads(), stops and joins it
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
  internal_stop_.request();
  keys_.close_and_drain();
  // No request waits out a retry budget any more; what is in flight goes on (the watcher
  // bounds that with the grace period).
  if (engine_) engine_->stop_retrying();
  {
    std::lock_guard lock(free_mutex_);  // so a dispatcher between its check and its wait sees it
  }
  free_cv_.notify_all();
}

void Run::watch_stop(const std::stop_token& token) {
  {
    std::stop_callback wake(token, [this] { watcher_wake_.request(); });
    const int signal_fd = options_.stop != nullptr ? options_.stop->fd() : -1;
    std::array<pollfd, 2> fds{pollfd{signal_fd, POLLIN, 0}, pollfd{watcher_wake_.fd(), POLLIN, 0}};
    while (!token.stop_requested() && !(options_.stop != nullptr && options_.stop->requested())) {
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    }
  }
  if (token.stop_requested()) return;
  spdlog::warn("stopping: no more listing or retries; the headers in flight have {} ms to finish",
               options_.stop_grace.count());
  request_stop();
  std::unique_lock lock(quiet_mutex_);
  if (quiet_cv_.wait_for(lock, token, options_.stop_grace, [this] { return quiet_; })) return;
  if (token.stop_requested()) return;
  lock.unlock();
  spdlog::warn("stopping: {} header reads still in flight after {} ms: cancelled (--resume reads them again)",
               counters_.in_flight.load(), options_.stop_grace.count());
  // Fails every request still in flight with kCancelled, listings included; their keys get no row.
  engine_->shutdown();
}

Status Run::open_store() {
  store::StoreOptions store_options;
  store_options.values = config_.store_options;
  http::ClientConfig base;
  base.loops = config_.io_threads;
  base.own_http1 = config_.own_http1;
  base.retry.max_retries = config_.max_retries;
  base.retry.init_backoff = config_.init_backoff;
  base.retry.max_backoff = config_.max_backoff;
  base.retry.retry_timeout = config_.retry_timeout;
  auto client = store::client_config_from_options(store_options, base, config_.store_name);
  if (!client) return std::move(client).error();
  auto engine = http::Engine::create(*client);
  if (!engine) return std::move(engine).error();
  engine_ = std::shared_ptr<http::Engine>(std::move(engine).value());
  auto store = store::open_store(config_.store_name, store_options, engine_);
  if (!store) return std::move(store).error();
  store_ = std::move(store).value();
  return {};
}

void Run::append_error_row(const store::ObjectMeta& meta, const std::string& url, schema::Stage stage,
                           std::string_view kind, const Error& error, std::uint32_t attempts) {
  aggregates_.add_error(meta.key, to_string(stage), kind);
  auto status = error_sink_->append(meta.key, [&](schema::RowEncoder& encoder, parquet::ColumnBatch& batch) {
    Status s = encoder.append_error(batch, meta, url, stage, kind, error, attempts);
    if (s) note_row_warnings(meta.key, encoder.row_warnings());
    return s;
  });
  if (status) return;
  // The full row could not be encoded: the bare facts still make one row for the key.
  const Error bare = make_error(error.code, "cannot encode the error row (" + status.error().message +
                                                "); the error was: " + error.message.substr(0, 4096));
  store::ObjectMeta key_only;
  key_only.key = meta.key;
  status = error_sink_->append(meta.key, [&](schema::RowEncoder& encoder, parquet::ColumnBatch& batch) {
    return encoder.append_error(batch, key_only, url, stage, kind, bare, attempts);
  });
  if (!status) spdlog::error("{}: no row could be written: {}", store::display_key(meta.key), status.error().message);
}

void Run::note_row_warnings(std::string_view key, const std::vector<std::string>& warnings) {
  if (warnings.empty()) return;
  constexpr std::uint64_t kLogged = 20;  // a hostile listing must not flood the log
  const std::uint64_t n = rows_with_warnings_++;
  if (n < kLogged) {
    std::string text;
    for (const auto& w : warnings) text += (text.empty() ? "" : "; ") + w;
    spdlog::warn("{}: {}", store::display_key(key), text);
  } else if (n == kLogged) {
    spdlog::warn(
        "more rows have values left NULL or out; they are not logged one by one (see the manifest's "
        "rows_with_warnings)");
  }
}

void Run::record_list_error(const std::string& prefix, const Error& error) {
  spdlog::warn("listing {} failed: {}", store::display_key(store_->url_for(prefix)), error.describe());
  // A prefix that could not be listed is a failure of the run like a key that could not be read:
  // it counts in `failed`, so the run ends with exit code 1, not 0.
  ++counters_.failed;
  if (options_.dry_run || !error_sink_) return;
  store::ObjectMeta meta;
  meta.key = prefix;
  append_error_row(meta, store_->url_for(prefix), schema::Stage::kList, to_string(error.code), error, error.attempts);
  std::lock_guard lock(stage_mutex_);
  ++errors_by_stage_["list"];
}

void Run::record_untrusted_entry(const store::ObjectMeta& meta, const std::string& why) {
  ++counters_.failed;
  if (options_.dry_run || !error_sink_) return;
  append_error_row(meta, store_->url_for(meta.key), schema::Stage::kList, schema::kInvalidListingEntry,
                   make_error(ErrorCode::kParse, why), 0);
  std::lock_guard lock(stage_mutex_);
  ++errors_by_stage_["list"];
}

void Run::list_stream(store::ListStream& stream, const std::string& what) {
  bool any_page = false;
  while (!stopping()) {
    auto page = stream.next();
    if (!page) {
      // Cut short by a stop: not a failure of the listing; --resume lists again.
      if (stopping() && page.error().code == ErrorCode::kCancelled) return;
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
      // The listing is the server's word: an entry that cannot be true is one error row.
      if (auto why = schema::untrusted_listing_entry(meta)) {
        record_untrusted_entry(meta, *why);
        continue;
      }
      if (!keys_.push(std::move(meta))) return;  // closed: the run is stopping
    }
  }
}

void Run::list_items(std::size_t parallelism) {
  while (!stopping()) {
    const std::size_t i = next_item_++;
    if (i >= items_.size()) return;
    store::ListOptions options;
    options.page_size = config_.list_chunk_size;
    options.parallelism = parallelism;
    options.ranges = items_[i].ranges;
    options.shape = items_[i].shape;
    options.parts = items_[i].parts;
    auto stream = store_->list(items_[i].prefix, options);
    list_stream(*stream, items_[i].prefix);
    list_requests_ += stream->list_requests();
  }
}

void Run::lister_main(const std::stop_token& token) {
  // Asked to stop (only when execute() is left early: run_reads() joins without asking): the
  // run stops, so this lister's queue and requests end too.
  std::stop_callback on_stop(token, [this] { request_stop(); });
  if (key_stream_) {
    list_stream(*key_stream_, *options_.keys_file);
  } else {
    list_items(per_listing_);
  }
  if (--active_listers_ == 0) {
    counters_.listing_done = true;
    keys_.close();
  }
}

Result<std::vector<Run::ListItem>> Run::plan_listing(const output::OutputStoreSettings& out_settings,
                                                     bool& hash_shards) {
  std::vector<ListItem> items;
  hash_shards = true;
  const auto prefixes = normalize_prefixes(config_.prefixes);
  if (options_.shard.count <= 1 || !store_->lists_from_any_key()) {
    if (options_.plan_only) {
      return make_error(ErrorCode::kInvalidArgument,
                        options_.shard.count <= 1
                            ? std::string("a shard plan is made for shards: give --shard I/N or --shards N")
                            : "a " + std::string(store_->scheme()) +
                                  " store cannot start a listing after any key: its shards use the hash split, "
                                  "without a plan");
    }
    for (const auto& prefix : prefixes) items.push_back(ListItem{prefix, {}, nullptr});
    return items;
  }
  // The plan lives in OUT_DIR; a dry run reads it too, so that its counts are the shards' own
  // (without a plan there, it makes one and writes nothing).
  std::unique_ptr<output::OutputStorage> own_storage;
  output::OutputStorage* storage = out_ ? &out_->storage() : nullptr;
  if (storage == nullptr) {
    auto opened = output::open_output(options_.out_dir, out_settings);
    if (!opened) return std::move(opened).error();
    own_storage = std::move(opened).value();
    storage = own_storage.get();
  }
  PlanSettings settings;
  settings.shards = options_.shard.count;
  settings.page_size = config_.list_chunk_size;
  settings.parallelism = std::max<std::uint32_t>(config_.list_parallelism, 1);
  settings.run = fingerprint_;
  settings.write = !options_.dry_run;
  auto loaded = load_or_make_plan(*storage, *store_, prefixes, settings);
  if (!loaded) return std::move(loaded).error();
  plan_total_ranges_ = loaded->plan.range_count();
  plan_made_here_ = loaded->made_here;
  if (loaded->made_here) {
    list_requests_ += loaded->plan.sample_requests;
    spdlog::info("made the shard plan {}{} ({} key ranges from {} sampled pages)", storage->describe(kPlanName),
                 settings.write ? "" : " (a dry run: not written)", loaded->plan.range_count(),
                 loaded->plan.sample_requests);
  }
  // One listing a prefix, over all of this shard's ranges of it: they share the prefix's LIST
  // requests as they run (a range that ends early leaves its requests to the others).
  for (auto& item : loaded->plan.ranges_of(options_.shard.index)) {
    if (items.empty() || items.back().prefix != item.prefix) items.push_back(ListItem{item.prefix, {}, item.shape});
    items.back().ranges.push_back(std::move(item.range));
    ++plan_ranges_;
  }
  if (items.size() > 1) {
    // Several prefixes: one listing over all of them, so that the shard's list_parallelism LIST
    // requests go wherever ranges are left. A listing a prefix would give each one request when
    // there are more prefixes than requests, and a prefix's last range would list page after
    // page while the other listers wait (60 zone prefixes of bench/list's tree: a shard of 4 took
    // 0.45 of one run's time).
    ListItem all;
    all.prefix = items.front().prefix;
    for (auto& item : items) {
      std::size_t shared = 0;
      while (shared < all.prefix.size() && shared < item.prefix.size() && all.prefix[shared] == item.prefix[shared]) {
        ++shared;
      }
      all.prefix.resize(shared);
      all.parts.push_back(store::ListPart{item.prefix, std::move(item.ranges), item.shape});
    }
    items.clear();
    items.push_back(std::move(all));
  }
  hash_shards = false;
  return items;
}

void Run::dispatch() {
  while (true) {
    auto meta = keys_.pop();
    if (!meta) return;  // listing done and drained, or stopping
    const std::size_t cost = in_flight_bytes(*meta);
    HeaderFetch* fetch = nullptr;
    {
      // A free fetch, and room for this key among those in flight. A stop drops the key: it has
      // no row yet, so --resume reads it.
      std::unique_lock lock(free_mutex_);
      free_cv_.wait(lock, [&] { return (!free_fetches_.empty() && fits_in_flight(cost)) || stopping(); });
      if (stopping()) return;
      fetch = free_fetches_.back();
      free_fetches_.pop_back();
    }
    in_flight_bytes_ += cost;
    ++counters_.in_flight;
    fetch->start(*store_, std::move(*meta), [this](HeaderFetch& f) { on_header(f); });
  }
}

void Run::on_header(HeaderFetch& fetch) {
  const auto& meta = fetch.meta();
  const std::string url = store_->url_for(meta.key);
  if (fetch.ok()) {
    // The geo columns are derived here, on this I/O thread with its own CRS cache, before the
    // sink's lock is taken.
    const geo::GeoFacts& geo_facts =
        geo::thread_geo_deriver().derive(fetch.header(), fetch.header().ifds.front(), fetch.geokeys());
    Status status = data_sink_->append(meta.key, [&](schema::RowEncoder& encoder, parquet::ColumnBatch& batch) {
      Status s = encoder.append_data(batch, meta, url, fetch.header(), fetch.geokeys(), fetch.session().cog(),
                                     fetch.facts(), &geo_facts);
      if (s) note_row_warnings(meta.key, encoder.row_warnings());
      return s;
    });
    if (status) {
      ++counters_.done;
      aggregates_.add_data(fetch.header(), fetch.session().cog(), &geo_facts, fetch.facts().object_size);
    } else {
      // A header the row encoder cannot represent: still exactly one row for the key.
      auto error = make_error(ErrorCode::kInternal, "cannot encode the row: " + status.error().message);
      append_error_row(meta, url, schema::Stage::kParse, "unencodable", error, fetch.facts().attempts);
      ++counters_.failed;
      std::lock_guard lock(stage_mutex_);
      ++errors_by_stage_["parse"];
    }
  } else if (stopping() && fetch.error().code == ErrorCode::kCancelled) {
    // Cut short by the stop (a retry that was not made, or the end of the grace period): no
    // row, so --resume reads the key again.
    ++abandoned_;
  } else {
    append_error_row(meta, url, fetch.failed_stage(), fetch.error_kind(), fetch.error(), fetch.facts().attempts);
    ++counters_.failed;
    std::lock_guard lock(stage_mutex_);
    ++errors_by_stage_[std::string(to_string(fetch.failed_stage()))];
  }
  counters_.bytes += fetch.facts().header_bytes;
  counters_.requests += fetch.facts().requests;
  release(fetch);
}

void Run::release(HeaderFetch& fetch) {
  // On the engine's loop thread: start the next key on this fetch right here when one is queued.
  // The loop picks up its own submissions without a wake-up, so a busy run costs no thread
  // hand-off per header. Bounded nesting: an empty object finishes inside start() itself.
  thread_local int chain_depth = 0;
  in_flight_bytes_ -= in_flight_bytes(fetch.meta());
  if (chain_depth < 8 && !stopping()) {
    if (auto meta =
            keys_.try_pop_if([this](const store::ObjectMeta& next) { return fits_in_flight(in_flight_bytes(next)); })) {
      in_flight_bytes_ += in_flight_bytes(*meta);
      ++chain_depth;
      fetch.start(*store_, std::move(*meta), [this](HeaderFetch& f) { on_header(f); });
      --chain_depth;
      return;
    }
  }
  // Notified under the lock: the last fetch back lets the main thread end the run and destroy
  // free_cv_, so a notify after the unlock could touch a destroyed condition variable (a data race
  // ThreadSanitizer found in the demo run).
  std::lock_guard lock(free_mutex_);
  free_fetches_.push_back(&fetch);
  --counters_.in_flight;
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
    if (job.kind == output::FileKind::kData)
      file_metadata.emplace_back("geo", schema::geoparquet_metadata(*job.batch, geo_summary_));
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
      {"tiff_dumper.schema_version", std::to_string(schema::kSchemaVersion)},
      {"tiff_dumper.run", fingerprint_},
      {"tiff_dumper.store", store_->url_for("")},
  };
  auto data_writer = parquet::ParquetWriter::make(schema::data_columns().schema, options);
  auto error_writer = parquet::ParquetWriter::make(schema::error_columns().schema, options);
  if (!data_writer.ok() || !error_writer.ok()) {
    fatal(data_writer.ok() ? error_writer.error() : data_writer.error());
    while (writes_.pop()) {
    }
    return;
  }
  while (auto job = writes_.pop()) {
    if (failed_.load()) continue;  // after a fatal error: drain, so no producer blocks
    auto& writer = job->kind == output::FileKind::kData ? **data_writer : **error_writer;
    if (auto status = write_job(*job, writer); !status) {
      fatal(std::move(status).error());
      continue;
    }
    (job->kind == output::FileKind::kData ? *data_sink_ : *error_sink_).recycle(std::move(job->batch));
  }
}

nlohmann::json Run::manifest(const RunSummary& s) const {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : s.files) files.push_back(f);
  return {
      {"tool", "tiff-dumper"},
      {"version", TDUMP_VERSION},
      {"schema_version", schema::kSchemaVersion},
      {"run", fingerprint_},
      {"started", started_},
      {"finished", store::format_iso8601(std::time(nullptr))},
      {"seconds", s.seconds},
      {"store", store_->url_for("")},
      {"prefixes", config_.prefixes},
      {"shard", {{"index", options_.shard.index}, {"count", options_.shard.count}}},
      // Key ranges of the OUT_DIR's shard plan this shard listed (0: no plan, whole prefixes).
      {"plan_ranges", plan_ranges_},
      {"files", files},
      {"rows", s.done + s.skipped_done},
      {"listed", s.listed},
      {"written_this_attempt", s.done},
      {"errors_this_attempt", s.failed},
      {"rows_with_warnings", s.rows_with_warnings},
      {"resumed_past", s.skipped_done},
      {"errors_by_stage", s.errors_by_stage},
      {"header_bytes", s.bytes},
      {"requests", s.requests},
      {"list_requests", s.list_requests},
      {"aggregates", aggregates_.to_json(s.listed, s.skipped_done)},
      {"settings",
       {{"n_consumers", config_.n_consumers},
        {"list_chunk_size", config_.list_chunk_size},
        {"max_buffer_size", config_.max_buffer_size},
        {"max_buffer_bytes", config_.max_buffer_bytes},
        {"list_parallelism", config_.list_parallelism},
        {"write_chunk_size", config_.write_chunk_size},
        {"max_batch_bytes", config_.max_batch_bytes},
        {"prefetch", config_.prefetch},
        {"max_header_bytes", config_.max_header_bytes},
        {"io_threads", config_.io_threads},
        {"own_http1", config_.own_http1},
        {"suffixes", config_.suffixes},
        {"include", config_.include},
        {"exclude", config_.exclude}}},
  };
}

Result<RunSummary> Run::execute() {
  const auto t0 = Clock::now();
  started_ = store::format_iso8601(std::time(nullptr));
  fingerprint_ = run_fingerprint(config_, options_);
  if (auto s = open_store(); !s) return std::move(s).error();
  const output::OutputStoreSettings out_settings = output_settings();
  if (auto s = open_out_dir(out_settings); !s) return std::move(s).error();
  if (auto s = plan_keys(out_settings); !s) return std::move(s).error();
  if (options_.plan_only) {
    RunSummary summary;
    summary.list_requests = list_requests_;
    summary.plan_ranges = plan_total_ranges_;
    summary.plan_made = plan_made_here_;
    summary.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return summary;
  }
  prepare_reads();
  ProgressReporter progress(counters_, options_.progress, stderr);
  start_threads();
  run_reads();
  finish_writes();
  progress.stop();
  return finish(Clock::now() - t0);
}

output::OutputStoreSettings Run::output_settings() const {
  output::OutputStoreSettings out_settings;
  out_settings.options = output::output_store_options(config_.store_name, config_.store_options, options_.out_dir,
                                                      config_.output_store_options);
  out_settings.retry.max_retries = config_.max_retries;
  out_settings.retry.init_backoff = config_.init_backoff;
  out_settings.retry.max_backoff = config_.max_backoff;
  out_settings.retry.retry_timeout = config_.retry_timeout;
  return out_settings;
}

Status Run::open_out_dir(const output::OutputStoreSettings& out_settings) {
  if ((options_.dry_run || options_.plan_only) && !options_.resume) return {};
  auto out = output::OutputDir::open(options_.out_dir, out_settings, options_.shard, fingerprint_, options_.resume);
  if (!out) return std::move(out).error();
  out_.emplace(std::move(out).value());
  if (!options_.dry_run) {
    // The shard's heartbeat for `tiff-dumper status` (dump/shard_lease.hpp).
    auto lease = ShardLease::start(options_.out_dir, out_settings, options_.shard, LeaseOptions{});
    if (!lease) return std::move(lease).error();
    lease_ = std::move(lease).value();
  }
  if (out_->resume_state().files > 0) {
    spdlog::info("resuming: {} files already hold {} keys", out_->resume_state().files, out_->resume_state().keys);
  }
  return {};
}

Status Run::plan_keys(const output::OutputStoreSettings& out_settings) {
  // What this run lists: with a shard plan, this shard's key ranges (and no hash filter).
  bool hash_shards = true;
  if (!options_.keys_file) {
    auto planned = plan_listing(out_settings, hash_shards);
    if (!planned) return std::move(planned).error();
    items_ = std::move(planned).value();
  }
  if (options_.plan_only) return {};  // execute() stops here
  filter_.emplace(
      KeyFilterOptions{config_.suffixes, config_.include, config_.exclude, hash_shards ? options_.shard : Shard{}});
  if (options_.keys_file) {
    // Its reads wait in poll() next to internal_stop_, so a stop wakes a lister on a FIFO at once.
    auto stream = store::keys_from_file(*options_.keys_file, *store_, config_.list_chunk_size, internal_stop_.fd());
    if (!stream) return std::move(stream).error();
    key_stream_ = std::move(stream).value();
  }
  // list_parallelism LIST requests in flight in all: a pool of up to that many listers takes the
  // items one by one, and each listing gets its share of the requests (one prefix: all of them,
  // split by parallel_list over its tree and key ranges).
  const std::size_t budget = std::max<std::uint32_t>(config_.list_parallelism, 1);
  stream_count_ = key_stream_ ? 1 : items_.size();
  lister_count_ = key_stream_ ? 1 : std::min<std::size_t>(items_.size(), budget);
  per_listing_ = lister_count_ == 0 ? 1 : std::max<std::size_t>(budget / lister_count_, 1);
  return {};
}

void Run::prepare_reads() {
  // The one set of header limits (src/tiff/session.hpp), as `inspect` uses them.
  fetch_limits_.prefetch = config_.prefetch;
  fetch_limits_.parse.max_header_bytes = config_.max_header_bytes;
  // The config's bounds hold already (src/cli checks them); the clamp keeps a caller that built
  // a RunConfig by hand from allocating without limit.
  const std::size_t consumers = std::clamp<std::uint64_t>(config_.n_consumers, 1, ConfigLimits::kMaxConsumers);
  fetches_.reserve(consumers);
  for (std::size_t i = 0; i < consumers; ++i) {
    fetches_.push_back(std::make_unique<HeaderFetch>(fetch_limits_));
    free_fetches_.push_back(fetches_.back().get());
  }
  data_sink_.emplace(output::FileKind::kData, schema::data_columns().schema, config_.write_chunk_size,
                     config_.max_batch_bytes, writes_);
  error_sink_.emplace(output::FileKind::kErrors, schema::error_columns().schema, config_.write_chunk_size,
                      config_.max_batch_bytes, writes_);
}

void Run::start_threads() {
  if (!options_.dry_run) {
    writer_ = std::jthread([this](const std::stop_token& token) {
      // The writer's stop is the end of the rows: it writes what is queued, then ends.
      std::stop_callback close(token, [this] { writes_.close(); });
      write_loop();
    });
  }
  // Listers: a pool of at most list_parallelism threads takes the items one by one (or one
  // thread reads the key file); the last one to finish closes the queue.
  active_listers_ = lister_count_;
  if (lister_count_ == 0) {
    counters_.listing_done = true;
    keys_.close();
  }
  listers_.reserve(lister_count_);
  for (std::size_t i = 0; i < lister_count_; ++i) {
    listers_.emplace_back([this](const std::stop_token& token) { lister_main(token); });
  }
  // A stop request (signal) stops the listers and the retries; the watcher wakes on the signal's
  // descriptor, or on its stop token at the end of the run.
  watcher_ = std::jthread([this](const std::stop_token& token) { watch_stop(token); });
}

void Run::run_reads() {
  if (!options_.dry_run) dispatch();
  for (auto& lister : listers_) lister.join();  // ended by themselves: a join, not a stop
  // Everything started finishes (each read is bounded by the engine's timeouts and retries, and
  // after a stop by the grace period).
  {
    std::unique_lock lock(free_mutex_);
    free_cv_.wait(lock, [&] { return free_fetches_.size() == fetches_.size(); });
  }
  {
    std::lock_guard lock(quiet_mutex_);
    quiet_ = true;
  }
  quiet_cv_.notify_all();
  watcher_.request_stop();
  watcher_.join();
}

void Run::finish_writes() {
  if (options_.dry_run) return;
  data_sink_->flush();
  error_sink_->flush();
  writer_.request_stop();  // closes writes_: the writer writes what is queued and ends
  writer_.join();
}

Result<RunSummary> Run::finish(Clock::duration elapsed) {
  RunSummary summary;
  summary.listed = counters_.listed;
  summary.skipped_done = counters_.skipped_done;
  summary.done = counters_.done;
  summary.failed = counters_.failed;
  summary.rows_with_warnings = rows_with_warnings_;
  summary.abandoned = abandoned_;
  summary.bytes = counters_.bytes;
  summary.requests = counters_.requests;
  summary.list_requests = list_requests_;
  summary.errors_by_stage = errors_by_stage_;
  summary.seconds = std::chrono::duration<double>(elapsed).count();
  summary.interrupted = stopping();
  if (out_) summary.files = out_->committed_files();

  if (fatal_) return *fatal_;
  if (stream_count_ > 0 && failed_listers_ == stream_count_ && counters_.listed == 0) {
    return make_error(ErrorCode::kNotFound, fmt::format("listing {} failed; see the error rows in {} or the log above",
                                                        store_->url_for(""), options_.out_dir));
  }
  if (summary.rows_with_warnings > 0) {
    spdlog::warn("{} rows have values left NULL or out (listing values that do not fit, tag values over the cap)",
                 summary.rows_with_warnings);
  }
  if (lease_ && summary.interrupted) (void)lease_->finish(LeaseOutcome::kInterrupted);
  if (!summary.interrupted && !options_.dry_run) {
    const std::string text = manifest(summary).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (auto s = out_->write_manifest(text); !s) return std::move(s).error();
    summary.manifest = out_->manifest_path();
    if (lease_) {
      if (auto done = lease_->finish(LeaseOutcome::kDone); !done) {
        spdlog::warn("could not remove the lease {}: {}", lease_->name(), done.error().describe());
      }
    }
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
  // Replace, not throw, on text that is not UTF-8 (src/cli refuses such a config up front).
  return fmt::format("{:016x}",
                     stable_key_hash(identity.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

Result<RunSummary> run_headers(const RunConfig& config, const RunOptions& options) {
  Run run(config, options);
  return run.execute();
}

}  // namespace tdump::dump
