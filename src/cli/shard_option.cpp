#include "cli/shard_option.hpp"

#include <fmt/format.h>

#include <charconv>

namespace tdump::cli {
namespace {

std::optional<unsigned> to_unsigned(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Result<Shard> check(unsigned index, unsigned count, const std::string& origin) {
  if (count == 0) return make_error(ErrorCode::kInvalidArgument, origin + ": the shard count must be at least 1");
  if (index >= count) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: shard index {} is out of range: it must be in 0..{}", origin, index, count - 1));
  }
  return Shard{index, count};
}

}  // namespace

Result<Shard> resolve_shard(const std::string& shard_flag, unsigned shards_flag, const EnvFn& env) {
  if (!shard_flag.empty()) {
    if (shards_flag != 0) {
      return make_error(ErrorCode::kInvalidArgument, "--shard and --shards: give only one");
    }
    auto slash = shard_flag.find('/');
    auto index = to_unsigned(std::string_view(shard_flag).substr(0, slash));
    auto count =
        slash == std::string::npos ? std::nullopt : to_unsigned(std::string_view(shard_flag).substr(slash + 1));
    if (!index || !count) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--shard {}: expected I/N with 0 <= I < N (e.g. --shard 3/16)", shard_flag));
    }
    return check(*index, *count, "--shard " + shard_flag);
  }
  if (shards_flag == 0) return Shard{};
  for (const char* name : {"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"}) {
    auto value = env(name);
    if (!value) continue;
    auto index = to_unsigned(*value);
    if (!index) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}={}: expected a non-negative whole number", name, *value));
    }
    if (std::string_view(name) == "SLURM_ARRAY_TASK_ID") {
      // Slurm arrays may start anywhere (--array=1-16): shards are counted from the first task.
      if (auto min = env("SLURM_ARRAY_TASK_MIN"); min && to_unsigned(*min) && *to_unsigned(*min) <= *index) {
        *index -= *to_unsigned(*min);
      }
    }
    return check(*index, shards_flag, fmt::format("--shards {} with {}={}", shards_flag, name, *value));
  }
  return make_error(
      ErrorCode::kInvalidArgument,
      fmt::format("--shards {}: no shard index found in JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or "
                  "SLURM_ARRAY_TASK_ID; set one, or pass --shard I/N",
                  shards_flag));
}

}  // namespace tdump::cli
