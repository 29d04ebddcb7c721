#include "dump/job_status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace tdump::dump {
namespace {

using nlohmann::json;

// Shard counts beyond this are not a run of ours (names carry 5 digits).
constexpr std::uint32_t kMaxShards = 99999;

struct Found {
  std::map<std::uint32_t, output::StoredObject> manifests;    // shard index -> `_SUCCESS-I-of-N` (or `_SUCCESS`, N = 1)
  std::map<std::uint32_t, output::StoredObject> leases;       // shard index -> lease
  std::map<std::uint32_t, output::StoredObject> descriptors;  // shard index -> `_tiff_dumper/shard-I.json`
  std::optional<output::StoredObject> bare_success;           // `_SUCCESS`: job manifest, or the unsharded run's
  std::set<std::uint32_t> counts;                             // every N seen
};

std::string iso_utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

Error in_out_dir(const output::OutputStorage& storage, Error error) {
  error.message = fmt::format("OUT_DIR {}: {}", storage.location(), error.message);
  return error;
}

// Reads small objects whole; an object over `limit` bytes is left out (its text stays empty).
Result<std::map<std::string, std::string>> read_small(output::OutputStorage& storage,
                                                      const std::vector<output::StoredObject>& objects,
                                                      std::size_t limit) {
  std::vector<output::StoredObject> wanted;
  for (const auto& o : objects) {
    if (o.size <= limit) wanted.push_back(o);
  }
  std::map<std::string, std::string> texts;
  auto status = storage.read_each(wanted, [&](const output::StoredObject& o, std::string text) -> Status {
    if (text.size() > limit) text.clear();
    texts[o.name] = std::move(text);
    return {};
  });
  if (!status) return std::move(status).error();
  return texts;
}

std::uint64_t count_of(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned()) return 0;
  return it->get<std::uint64_t>();
}

// Fills a done shard from its manifest text; false when the text is not a manifest of shard `index` of `n`.
bool read_manifest(const std::string& text, std::uint32_t index, std::uint32_t n, ShardReport& shard,
                   std::string& run) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  const auto s = j.find("shard");
  if (s == j.end() || !s->is_object() || s->value("index", kMaxShards + 1) != index || s->value("count", 0U) != n) {
    return false;
  }
  shard.listed = count_of(j, "listed");
  shard.rows = count_of(j, "rows");
  shard.written = count_of(j, "written_this_attempt");
  shard.errors = count_of(j, "errors_this_attempt");
  if (const auto f = j.find("files"); f != j.end() && f->is_array()) {
    for (const auto& name : *f) {
      if (name.is_string()) shard.files.push_back(name.get<std::string>());
    }
  }
  if (const auto r = j.find("run"); r != j.end() && r->is_string()) run = r->get<std::string>();
  return true;
}

}  // namespace

std::string_view to_string(ShardState state) noexcept {
  switch (state) {
    case ShardState::kDone:
      return "done";
    case ShardState::kRunning:
      return "running";
    case ShardState::kFailed:
      return "failed";
    case ShardState::kMissing:
      return "missing";
  }
  return "missing";
}

Result<JobReport> job_status(output::OutputStorage& storage, const StatusOptions& options) {
  JobReport report;
  report.location = storage.location();
  report.job_manifest = storage.describe("_SUCCESS");
  Found found;
  const std::regex manifest_name(R"(_SUCCESS-(\d{5})-of-(\d{5}))");
  const std::regex lease_re(R"(_tiff_dumper/shard-(\d{5})-of-(\d{5})\.lease)");
  const std::regex descriptor_re(R"(_tiff_dumper/shard-(\d{5})\.json)");
  for (std::string_view prefix : {"_SUCCESS", "_tiff_dumper/shard-"}) {
    auto listed = storage.list(prefix);
    if (!listed) return in_out_dir(storage, std::move(listed).error());
    for (auto& object : *listed) {
      std::smatch m;
      if (object.name == "_SUCCESS") {
        found.bare_success = object;
      } else if (std::regex_match(object.name, m, manifest_name)) {
        auto index = static_cast<std::uint32_t>(std::stoul(m[1].str()));
        auto count = static_cast<std::uint32_t>(std::stoul(m[2].str()));
        found.counts.insert(count);
        if (index < count) found.manifests[index] = object;
      } else if (std::regex_match(object.name, m, lease_re)) {
        auto index = static_cast<std::uint32_t>(std::stoul(m[1].str()));
        auto count = static_cast<std::uint32_t>(std::stoul(m[2].str()));
        found.counts.insert(count);
        if (index < count) found.leases[index] = object;
      } else if (std::regex_match(object.name, m, descriptor_re)) {
        found.descriptors[static_cast<std::uint32_t>(std::stoul(m[1].str()))] = object;
      }
    }
  }

  // The descriptors say N and the run even before any manifest or lease exists.
  std::vector<output::StoredObject> small;
  for (const auto& [i, o] : found.descriptors) small.push_back(o);
  for (const auto& [i, o] : found.leases) small.push_back(o);
  if (found.bare_success) small.push_back(*found.bare_success);
  auto small_texts = read_small(storage, small, kMaxLeaseBytes);
  if (!small_texts) return in_out_dir(storage, std::move(small_texts).error());
  std::set<std::string> runs;
  for (const auto& [i, o] : found.descriptors) {
    auto j = json::parse((*small_texts)[o.name], nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (auto n = j.find("shards"); n != j.end() && n->is_number_unsigned()) {
      found.counts.insert(n->get<std::uint32_t>());
    }
    if (auto f = j.find("fingerprint"); f != j.end() && f->is_string()) runs.insert(f->get<std::string>());
  }
  json bare;
  bool bare_is_job = false;
  if (found.bare_success) {
    bare = json::parse((*small_texts)[found.bare_success->name], nullptr, false);
    bare_is_job = bare.is_object() && bare.value("kind", "") == "job";
    if (bare_is_job) {
      report.job_manifest_present = true;
      if (auto n = bare.find("shards"); n != bare.end() && n->is_number_unsigned()) {
        found.counts.insert(n->get<std::uint32_t>());
      }
    } else {
      found.counts.insert(1);  // the manifest of an unsharded run
    }
  }
  if (options.expected_shards > 0) found.counts.insert(options.expected_shards);
  if (found.counts.empty()) return report;  // no run here (shards = 0)
  if (found.counts.size() > 1) {
    std::string seen;
    for (auto n : found.counts) seen += (seen.empty() ? "" : ", ") + std::to_string(n);
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {} holds shards of runs with different shard counts ({}){}",
                                  storage.location(), seen, options.expected_shards > 0 ? " (--shards included)" : ""));
  }
  const std::uint32_t n = *found.counts.begin();
  if (n == 0 || n > kMaxShards) {
    return make_error(ErrorCode::kParse, fmt::format("OUT_DIR {}: a shard count of {}", storage.location(), n));
  }
  report.shards = n;
  if (n == 1 && found.bare_success && !bare_is_job) found.manifests[0] = *found.bare_success;

  std::vector<output::StoredObject> manifests;
  for (const auto& [i, o] : found.manifests) manifests.push_back(o);
  auto manifest_texts = read_small(storage, manifests, kMaxManifestBytes);
  if (!manifest_texts) return in_out_dir(storage, std::move(manifest_texts).error());

  const std::int64_t now = options.now_unix ? *options.now_unix : static_cast<std::int64_t>(std::time(nullptr));
  for (std::uint32_t i = 0; i < n; ++i) {
    ShardReport shard;
    shard.index = i;
    if (auto m = found.manifests.find(i); m != found.manifests.end()) {
      std::string run;
      if (read_manifest((*manifest_texts)[m->second.name], i, n, shard, run)) {
        shard.state = ShardState::kDone;
        shard.manifest = m->second.name;
        shard.detail = fmt::format("listed {}, rows {}", shard.listed, shard.rows);
        if (!run.empty()) runs.insert(run);
      } else {
        shard.state = ShardState::kFailed;
        shard.detail = fmt::format("manifest {} is not a manifest of shard {} of {}", m->second.name, i, n);
      }
    } else if (auto l = found.leases.find(i); l != found.leases.end()) {
      auto lease = parse_lease((*small_texts)[l->second.name]);
      if (!lease) {
        shard.state = ShardState::kFailed;
        shard.detail = fmt::format("lease {} unreadable: {}", l->second.name, lease.error().message);
      } else {
        shard.beat_age_seconds = std::max<std::int64_t>(0, now - lease->last_beat_unix);
        const std::int64_t stale = options.stale_after.count() > 0
                                       ? options.stale_after.count()
                                       : std::max<std::int64_t>(60, 3 * std::int64_t{lease->interval_seconds});
        const std::string who = fmt::format("host {} pid {}", lease->host, lease->pid);
        if (lease->state != "running") {
          shard.state = ShardState::kFailed;
          shard.detail = fmt::format("{} at {} ({})", lease->state, lease->last_beat, who);
        } else if (shard.beat_age_seconds > stale) {
          shard.state = ShardState::kFailed;
          shard.detail = fmt::format("heartbeat stale: last beat {} s ago at {}, limit {} s ({})",
                                     shard.beat_age_seconds, lease->last_beat, stale, who);
        } else {
          shard.state = ShardState::kRunning;
          shard.detail =
              fmt::format("last beat {} s ago ({}, started {})", shard.beat_age_seconds, who, lease->started);
        }
        shard.lease = std::move(lease).value();
      }
    } else if (found.descriptors.count(i) > 0) {
      shard.detail = "started (descriptor present) but no manifest and no heartbeat";
    } else {
      shard.detail = "nothing in OUT_DIR";
    }
    switch (shard.state) {
      case ShardState::kDone:
        ++report.done;
        report.listed += shard.listed;
        report.rows += shard.rows;
        report.errors += shard.errors;
        break;
      case ShardState::kRunning:
        ++report.running;
        break;
      case ShardState::kFailed:
        ++report.failed;
        break;
      case ShardState::kMissing:
        ++report.missing;
        break;
    }
    report.shard_reports.push_back(std::move(shard));
  }
  if (runs.size() > 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("OUT_DIR {} holds the shards of {} different runs", storage.location(), runs.size()));
  }
  if (!runs.empty()) report.run = *runs.begin();

  if (n > 1 && report.complete() && options.finalize && !report.job_manifest_present) {
    if (found.bare_success && !bare_is_job) {
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("OUT_DIR {}: _SUCCESS is there but is not a job manifest; not replacing it", storage.location()));
    }
    if (auto status = storage.write("_SUCCESS", job_manifest_json(report)); !status) {
      return in_out_dir(storage, std::move(status).error());
    }
    report.job_manifest_written = true;
  }
  return report;
}

std::string job_manifest_json(const JobReport& report) {
  json shards = json::array();
  json files = json::array();
  for (const auto& s : report.shard_reports) {
    shards.push_back({{"index", s.index},
                      {"manifest", s.manifest},
                      {"listed", s.listed},
                      {"rows", s.rows},
                      {"written_last_attempt", s.written},
                      {"errors_last_attempt", s.errors},
                      {"files", s.files}});
    for (const auto& f : s.files) files.push_back(f);
  }
  json j = {
      {"tool", "tiff-dumper"},   {"version", TDUMP_VERSION},
      {"kind", "job"},           {"run", report.run},
      {"shards", report.shards}, {"finished", iso_utc(static_cast<std::int64_t>(std::time(nullptr)))},
      {"listed", report.listed}, {"rows", report.rows},
      {"files", files},          {"shard_manifests", shards},
  };
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string job_report_json(const JobReport& report) {
  json shards = json::array();
  for (const auto& s : report.shard_reports) {
    json one = {{"index", s.index}, {"state", std::string(to_string(s.state))}, {"detail", s.detail}};
    if (s.state == ShardState::kDone) {
      one["manifest"] = s.manifest;
      one["listed"] = s.listed;
      one["rows"] = s.rows;
      one["written_last_attempt"] = s.written;
      one["errors_last_attempt"] = s.errors;
      one["files"] = s.files.size();
    }
    if (s.lease) {
      one["lease"] = {{"host", s.lease->host},           {"pid", s.lease->pid},
                      {"state", s.lease->state},         {"started", s.lease->started},
                      {"last_beat", s.lease->last_beat}, {"beat_age_seconds", s.beat_age_seconds}};
    }
    shards.push_back(std::move(one));
  }
  json j = {
      {"out_dir", report.location},
      {"run", report.run},
      {"shards", report.shards},
      {"complete", report.complete()},
      {"done", report.done},
      {"running", report.running},
      {"failed", report.failed},
      {"missing", report.missing},
      {"listed", report.listed},
      {"rows", report.rows},
      {"job_manifest", report.complete() || report.job_manifest_present ? json(report.job_manifest) : json(nullptr)},
      {"job_manifest_written", report.job_manifest_written},
      {"shard_reports", shards},
  };
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string job_report_text(const JobReport& report) {
  std::string out;
  if (report.shards == 0) {
    return fmt::format("{}: no tiff-dumper run found (no manifest, descriptor or lease)\n", report.location);
  }
  out += fmt::format("{}: {} shard{}{}\n", report.location, report.shards, report.shards == 1 ? "" : "s",
                     report.run.empty() ? "" : fmt::format(", run {}", report.run));
  for (const auto& s : report.shard_reports) {
    out += fmt::format("  shard {:>5}/{}  {:<8} {}\n", s.index, report.shards, to_string(s.state), s.detail);
  }
  out += fmt::format("{} done, {} running, {} failed, {} missing; listed {}, rows {}\n", report.done, report.running,
                     report.failed, report.missing, report.listed, report.rows);
  if (report.job_manifest_written) {
    out += fmt::format("job complete: wrote {}\n", report.job_manifest);
  } else if (report.complete() && report.shards > 1) {
    out += fmt::format("job complete: {} {}\n", report.job_manifest,
                       report.job_manifest_present ? "already there" : "not written (--no-finalize)");
  } else if (report.complete()) {
    out += "job complete\n";
  } else if (report.job_manifest_present) {
    out += fmt::format("warning: {} is there but not every shard is done\n", report.job_manifest);
  }
  return out;
}

}  // namespace tdump::dump
