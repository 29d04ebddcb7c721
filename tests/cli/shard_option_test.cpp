#include <gtest/gtest.h>

#include <map>

#include "cli/shard_option.hpp"

namespace tdump::cli {
namespace {

EnvFn env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ShardOption, DefaultIsTheWholeRun) {
  auto shard = resolve_shard("", 0, env_of({{"JOB_COMPLETION_INDEX", "3"}}));
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ(shard->index, 0U);
  EXPECT_EQ(shard->count, 1U);
}

TEST(ShardOption, ExplicitFlag) {
  auto shard = resolve_shard("3/16", 0, env_of({}));
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ(shard->index, 3U);
  EXPECT_EQ(shard->count, 16U);
}

TEST(ShardOption, BadFlags) {
  for (const char* bad : {"3", "3/", "/4", "a/b", "4/4", "-1/4", "1/0"}) {
    auto shard = resolve_shard(bad, 0, env_of({}));
    EXPECT_FALSE(shard.ok()) << bad;
  }
  EXPECT_NE(resolve_shard("4/4", 0, env_of({})).error().message.find("must be in 0..3"), std::string::npos);
  EXPECT_FALSE(resolve_shard("1/4", 4, env_of({})).ok());
}

TEST(ShardOption, IndexFromSchedulers) {
  EXPECT_EQ(resolve_shard("", 8, env_of({{"JOB_COMPLETION_INDEX", "5"}}))->index, 5U);
  EXPECT_EQ(resolve_shard("", 8, env_of({{"AWS_BATCH_JOB_ARRAY_INDEX", "7"}}))->index, 7U);
  EXPECT_EQ(resolve_shard("", 8, env_of({{"SLURM_ARRAY_TASK_ID", "2"}}))->index, 2U);
  EXPECT_EQ(resolve_shard("", 8, env_of({{"SLURM_ARRAY_TASK_ID", "8"}, {"SLURM_ARRAY_TASK_MIN", "1"}}))->index, 7U);
}

TEST(ShardOption, IndexOutOfRangeOrMissing) {
  auto out = resolve_shard("", 4, env_of({{"JOB_COMPLETION_INDEX", "4"}}));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("JOB_COMPLETION_INDEX=4"), std::string::npos) << out.error().message;
  auto missing = resolve_shard("", 4, env_of({}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no shard index found"), std::string::npos);
}

}  // namespace
}  // namespace tdump::cli
