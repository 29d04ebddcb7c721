// OUT_DIR as a store prefix (s3://bucket/out, az://container/out, gs://..., http(s):// WebDAV):
// every object is written with one PUT, so it appears whole or not at all; Parquet files are
// staged in a local folder first.
#include <fmt/format.h>
#include <stdlib.h>  // mkdtemp

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <system_error>

#include "output/output_storage.hpp"
#include "store/client_options.hpp"
#include "store/local/local_store.hpp"
#include "store/object_store.hpp"

namespace tdump::output {
namespace {
namespace fs = std::filesystem;

// Sidecars read at once while resuming: enough to hide the latency of a remote store, few
// enough to bound memory (a sidecar of 100,000 keys is a few MB).
constexpr std::size_t kReadsInFlight = 8;
// A PUT of a whole Parquet file (tens of MB) needs longer than a header read; stalls are still
// caught by the engine's low-speed limit. The output's `timeout` option overrides it.
constexpr std::chrono::minutes kPutAttemptTimeout{10};

class StoreOutput final : public OutputStorage {
 public:
  StoreOutput(std::string location, std::shared_ptr<http::Engine> engine, std::unique_ptr<store::ObjectStore> store,
              fs::path staging)
      : location_(std::move(location)),
        engine_(std::move(engine)),
        store_(std::move(store)),
        staging_(std::move(staging)) {}
  StoreOutput(const StoreOutput&) = delete;
  StoreOutput& operator=(const StoreOutput&) = delete;
  StoreOutput(StoreOutput&&) = delete;
  StoreOutput& operator=(StoreOutput&&) = delete;
  ~StoreOutput() override {
    std::error_code ec;
    fs::remove_all(staging_, ec);
    store_.reset();
    engine_->shutdown();
  }

  [[nodiscard]] const std::string& location() const override { return location_; }
  [[nodiscard]] std::string describe(std::string_view name) const override { return store_->url_for(name); }
  [[nodiscard]] bool remote() const override { return true; }

  Result<std::vector<StoredObject>> list(std::string_view prefix) override {
    std::vector<StoredObject> out;
    auto stream = store_->list(prefix, 0);
    for (;;) {
      auto page = stream->next();
      if (!page) return std::move(page).error();
      if (!page->has_value()) break;
      for (auto& meta : (*page)->objects) {
        if (!meta.size) {
          return make_error(ErrorCode::kUnsupported,
                            fmt::format("the listing of {} gives no size for {}", location_, meta.key));
        }
        out.push_back({std::move(meta.key), *meta.size});
      }
    }
    return out;
  }

  Status read_each(const std::vector<StoredObject>& objects,
                   const std::function<Status(const StoredObject&, std::string)>& use) override {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<std::pair<std::size_t, Result<store::RangeRead>>> done;
    std::size_t next = 0;
    std::size_t in_flight = 0;
    std::optional<Error> failure;
    // Reads stay in flight up to kReadsInFlight; results are used here, on the caller's thread.
    // Every read started is waited for before returning (the callbacks reference this frame).
    while (next < objects.size() || in_flight > 0) {
      while (!failure && next < objects.size() && in_flight < kReadsInFlight) {
        const std::size_t index = next++;
        ++in_flight;
        store_->read_range(objects[index].name, {0, objects[index].size},
                           [&mutex, &ready, &done, index](Result<store::RangeRead> read) {
                             std::lock_guard lock(mutex);
                             done.emplace_back(index, std::move(read));
                             ready.notify_one();
                           });
      }
      if (in_flight == 0) break;
      std::unique_lock lock(mutex);
      ready.wait(lock, [&] { return !done.empty(); });
      auto [index, read] = std::move(done.front());
      done.pop_front();
      lock.unlock();
      --in_flight;
      if (failure) continue;  // drain what is still in flight
      const auto& object = objects[index];
      if (!read) {
        failure = std::move(read).error();
      } else if (read->bytes.size() != object.size) {
        failure = make_error(ErrorCode::kIo, fmt::format("{} changed while it was read ({} bytes listed, {} read)",
                                                         describe(object.name), object.size, read->bytes.size()));
      } else if (auto status = use(object, std::move(read->bytes)); !status) {
        failure = std::move(status).error();
      }
    }
    if (failure) return std::move(*failure);
    return {};
  }

  Status write(std::string_view name, std::string_view content) override { return store_->put_object(name, content); }
  Result<bool> create_if_absent(std::string_view name, std::string_view content) override {
    return store_->put_object_if_absent(name, content);
  }

  Status remove(std::string_view name) override { return store_->delete_object(name); }

  std::uint64_t remove_leftovers(std::string_view /*shard_tag*/) override { return 0; }

  [[nodiscard]] fs::path writer_path(std::string_view name) const override { return staging_ / name; }

  Status publish(std::string_view name) override {
    auto staged = store::read_local_range(writer_path(name).string(), store::kWholeFile);
    if (!staged) return std::move(staged).error();
    Status status = store_->put_object(name, staged->bytes);
    drop_staged(name);
    return status;
  }

  void drop_staged(std::string_view name) override {
    std::error_code ec;
    fs::remove(writer_path(name), ec);
  }

 private:
  std::string location_;
  std::shared_ptr<http::Engine> engine_;
  std::unique_ptr<store::ObjectStore> store_;
  fs::path staging_;
};

Result<fs::path> make_staging_folder(const OutputStoreSettings& settings) {
  fs::path parent = settings.staging_parent;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): read before any thread writes env
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string pattern = (parent / fmt::format("tiff-dumper-out-{}-XXXXXX", settings.shard_tag)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return make_error(ErrorCode::kIo, fmt::format("cannot make a staging folder in {} for the Parquet files: {}",
                                                  parent.string(), std::system_category().message(errno)));
  }
  return fs::path(pattern);
}

}  // namespace

bool is_remote_location(std::string_view location) {
  auto kind = store::store_kind_of_url(location);
  return !kind || *kind != "file";  // an unknown scheme is a URL too: open_store names the problem
}

Result<std::unique_ptr<OutputStorage>> open_output(const std::string& location, const OutputStoreSettings& settings) {
  if (!is_remote_location(location)) {
    auto path = store::local_path_of_url(location);
    if (!path) return make_error(ErrorCode::kInvalidArgument, "OUT_DIR: " + path.error().message);
    return open_local_output(*path);
  }
  store::StoreOptions options;
  options.values = settings.options;
  options.for_writing = true;
  http::ClientConfig base;
  base.loops = 1;
  base.retry = settings.retry;
  base.timeout = kPutAttemptTimeout;
  auto client = store::client_config_from_options(options, base, location);
  if (!client) return std::move(client).error();
  auto engine = http::Engine::create(*client);
  if (!engine) return std::move(engine).error();
  std::shared_ptr<http::Engine> shared_engine(std::move(engine).value());
  auto opened = store::open_store(location, options, shared_engine);
  if (!opened) {
    Error error = std::move(opened).error();
    error.message = fmt::format("OUT_DIR {}: {}", location, error.message);
    return error;
  }
  auto staging = make_staging_folder(settings);
  if (!staging) return std::move(staging).error();
  return std::unique_ptr<OutputStorage>(
      std::make_unique<StoreOutput>(location, std::move(shared_engine), std::move(opened).value(), *staging));
}

std::map<std::string, std::string> output_store_options(const std::string& input_store,
                                                        const std::map<std::string, std::string>& input_options,
                                                        const std::string& out_location,
                                                        const std::map<std::string, std::string>& output_options) {
  if (!output_options.empty()) return output_options;
  auto input_kind = store::store_kind_of_url(input_store);
  auto output_kind = store::store_kind_of_url(out_location);
  if (input_kind && output_kind && *input_kind == *output_kind) return input_options;
  return {};
}

}  // namespace tdump::output
