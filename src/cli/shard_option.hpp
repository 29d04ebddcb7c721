#pragma once
// `--shard I/N`, or `--shards N` with I taken from the array-job index a scheduler sets:
// JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch),
// SLURM_ARRAY_TASK_ID (Slurm, made 0-based with SLURM_ARRAY_TASK_MIN).
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/shard.hpp"

namespace tdump::cli {

using EnvFn = std::function<std::optional<std::string>(std::string_view)>;

// `shard_flag` is the --shard value ("I/N") or empty; `shards_flag` the --shards value or 0.
Result<Shard> resolve_shard(const std::string& shard_flag, unsigned shards_flag, const EnvFn& env);

}  // namespace tdump::cli
