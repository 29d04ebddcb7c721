#include "dump/shard_lease.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <nlohmann/json.hpp>

namespace tdump::dump {
namespace {

std::string iso_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "unknown";
  return buf.data();
}

}  // namespace

std::string lease_name(const Shard& shard) {
  return fmt::format("_tiff_dumper/shard-{:05}-of-{:05}.lease", shard.index, shard.count);
}

std::string lease_json(const LeaseRecord& r) {
  nlohmann::json j = {
      {"tool", "tiff-dumper"},
      {"shard", {{"index", r.shard.index}, {"count", r.shard.count}}},
      {"host", r.host},
      {"pid", r.pid},
      {"state", r.state},
      {"started", r.started},
      {"last_beat", r.last_beat},
      {"last_beat_unix", r.last_beat_unix},
      {"interval_seconds", r.interval_seconds},
      {"beats", r.beats},
  };
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<LeaseRecord> parse_lease(std::string_view text) {
  if (text.size() > kMaxLeaseBytes) {
    return make_error(ErrorCode::kLimit,
                      fmt::format("lease of {} bytes, over the {} byte limit", text.size(), kMaxLeaseBytes));
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(ErrorCode::kParse, "lease is not a JSON object");
  LeaseRecord r;
  try {
    const auto& shard = j.at("shard");
    r.shard.index = shard.at("index").get<std::uint32_t>();
    r.shard.count = shard.at("count").get<std::uint32_t>();
    r.host = j.value("host", "");
    r.pid = j.value("pid", std::int64_t{0});
    r.state = j.at("state").get<std::string>();
    r.started = j.value("started", "");
    r.last_beat = j.value("last_beat", "");
    r.last_beat_unix = j.at("last_beat_unix").get<std::int64_t>();
    r.interval_seconds = j.value("interval_seconds", std::uint32_t{0});
    r.beats = j.value("beats", std::uint64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kParse, fmt::format("lease: {}", e.what()));
  }
  if (r.state != "running" && r.state != "failed" && r.state != "interrupted") {
    return make_error(ErrorCode::kParse, "lease: unknown state");
  }
  return r;
}

ShardLease::ShardLease(std::unique_ptr<output::OutputStorage> storage, Shard shard, LeaseOptions options)
    : storage_(std::move(storage)), name_(lease_name(shard)), options_(std::move(options)) {
  record_.shard = shard;
  record_.host = host_name();
  record_.pid = static_cast<std::int64_t>(::getpid());
  record_.started = iso_utc(std::time(nullptr));
  const auto ms = std::max<std::int64_t>(options_.interval.count(), 1);
  record_.interval_seconds = static_cast<std::uint32_t>((ms + 999) / 1000);
}

Result<std::unique_ptr<ShardLease>> ShardLease::start(std::unique_ptr<output::OutputStorage> storage, Shard shard,
                                                      LeaseOptions options) {
  if (options.interval.count() < 1) options.interval = std::chrono::milliseconds(1);
  std::unique_ptr<ShardLease> lease(new ShardLease(std::move(storage), shard, std::move(options)));
  if (auto status = lease->beat(); !status) {
    lease->finished_ = true;  // nothing to finalise: no lease was written
    return std::move(status).error();
  }
  lease->thread_ = std::jthread([raw = lease.get()](const std::stop_token& token) { raw->run(token); });
  return lease;
}

Result<std::unique_ptr<ShardLease>> ShardLease::start(const std::string& location, output::OutputStoreSettings settings,
                                                      Shard shard, LeaseOptions options) {
  // A staging folder of its own (the lease never stages anything, but the storage makes one).
  settings.shard_tag = fmt::format("{:05}-lease", shard.index);
  auto storage = output::open_output(location, settings);
  if (!storage) return std::move(storage).error();
  return start(std::move(storage).value(), shard, std::move(options));
}

ShardLease::~ShardLease() {
  if (!finished_) {
    if (auto status = finish(LeaseOutcome::kFailed); !status) {
      spdlog::warn("cannot finalise the lease {}: {}", storage_->describe(name_), status.error().describe());
    }
  }
}

Status ShardLease::beat() {
  const std::time_t now = std::time(nullptr);
  ++record_.beats;
  record_.last_beat = iso_utc(now);
  record_.last_beat_unix = static_cast<std::int64_t>(now);
  return storage_->write(name_, lease_json(record_));
}

void ShardLease::run(const std::stop_token& token) {
  while (true) {
    {
      std::unique_lock lock(wait_mutex_);
      // Wakes at the interval, or at once when finish() requests the stop.
      wake_.wait_for(lock, token, options_.interval, [] { return false; });
    }
    if (token.stop_requested()) return;
    if (auto status = beat(); !status) {
      // A missed beat is not fatal: the next one may land; `status` allows a few missed beats.
      spdlog::warn("cannot write the lease {}: {}", storage_->describe(name_), status.error().describe());
      continue;
    }
    if (options_.on_beat) options_.on_beat(record_.beats);
  }
}

Status ShardLease::finish(LeaseOutcome outcome) {
  if (finished_) return {};
  finished_ = true;
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (outcome == LeaseOutcome::kDone) return storage_->remove(name_);
  record_.state = outcome == LeaseOutcome::kFailed ? "failed" : "interrupted";
  return beat();
}

}  // namespace tdump::dump
