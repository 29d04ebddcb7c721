// The files of deploy/ (README "Running on a fleet") parse, agree with each other, and give the
// binary arguments it accepts: the Kubernetes manifests (yaml-cpp), the AWS Batch job definition
// (nlohmann::json), the shell scripts (`bash -n`, and shellcheck where it is installed).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/config.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::cli {
namespace {
namespace fs = std::filesystem;
using tdump::testing::read_file;

const fs::path kDeploy = fs::path(TDUMP_SOURCE_DIR) / "deploy";

std::vector<std::string> strings(const YAML::Node& node) {
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

// The value after `flag` in `args` ("" when absent).
std::string after(const std::vector<std::string>& args, const std::string& flag) {
  auto it = std::find(args.begin(), args.end(), flag);
  return it == args.end() || it + 1 == args.end() ? "" : *(it + 1);
}

TEST(DeployFiles, KubernetesIndexedJobIsConsistent) {
  std::vector<YAML::Node> docs;
  ASSERT_NO_THROW(docs = YAML::LoadAllFromFile((kDeploy / "kubernetes/indexed-job.yaml").string()));
  YAML::Node account, config_map, job;
  for (const auto& d : docs) {
    const auto kind = d["kind"].as<std::string>();
    if (kind == "ServiceAccount") account = d;
    if (kind == "ConfigMap") config_map = d;
    if (kind == "Job") job = d;
  }
  ASSERT_TRUE(account && config_map && job);
  EXPECT_TRUE(account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]);
  const auto spec = job["spec"];
  EXPECT_EQ(spec["completionMode"].as<std::string>(), "Indexed");
  const int completions = spec["completions"].as<int>();
  EXPECT_GE(completions, 2);
  EXPECT_LE(spec["parallelism"].as<int>(), completions);
  const auto pod = spec["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"].as<std::string>(), account["metadata"]["name"].as<std::string>());
  EXPECT_EQ(pod["restartPolicy"].as<std::string>(), "Never");
  const auto args = strings(pod["containers"][0]["args"]);
  ASSERT_GE(args.size(), 3U);
  EXPECT_EQ(args[0], "headers");
  EXPECT_NE(std::find(args.begin(), args.end(), "--resume"), args.end());
  EXPECT_EQ(after(args, "--shards"), std::to_string(completions));
  const std::string& out_dir = args.back();
  EXPECT_EQ(out_dir.rfind("s3://", 0), 0U) << out_dir;
  // The config the pods mount is one the binary loads.
  tdump::testing::TempDir tmp;
  tdump::testing::write_file(tmp.path() / "config.yaml", config_map["data"]["config.yaml"].as<std::string>());
  auto config = load_config(tmp.path() / "config.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(args[args.size() - 2], "/config/config.yaml");

  // The status Job reads the same OUT_DIR with the same shard count and config.
  YAML::Node status;
  ASSERT_NO_THROW(status = YAML::LoadFile((kDeploy / "kubernetes/status-job.yaml").string()));
  const auto status_args = strings(status["spec"]["template"]["spec"]["containers"][0]["args"]);
  EXPECT_EQ(status_args.front(), "status");
  EXPECT_EQ(status_args.back(), out_dir);
  EXPECT_EQ(after(status_args, "--shards"), std::to_string(completions));
  EXPECT_EQ(after(status_args, "--config"), "/config/config.yaml");
  EXPECT_EQ(status["spec"]["template"]["spec"]["serviceAccountName"].as<std::string>(),
            account["metadata"]["name"].as<std::string>());
}

TEST(DeployFiles, AwsBatchJobDefinitionIsConsistent) {
  nlohmann::json def;
  ASSERT_NO_THROW(def = nlohmann::json::parse(read_file(kDeploy / "aws-batch/job-definition.json")));
  EXPECT_EQ(def["type"], "container");
  const auto& container = def["containerProperties"];
  EXPECT_NE(container["jobRoleArn"].get<std::string>().find(":role/"), std::string::npos);
  const auto command = container["command"].get<std::vector<std::string>>();
  EXPECT_EQ(command.front(), "headers");
  EXPECT_EQ(after(command, "--shards"), "Ref::shards");
  EXPECT_NE(std::find(command.begin(), command.end(), "--resume"), command.end());
  // Every Ref:: has a default parameter.
  for (const auto& word : command) {
    if (word.rfind("Ref::", 0) == 0) EXPECT_TRUE(def["parameters"].contains(word.substr(5))) << word;
  }
  EXPECT_EQ(def["parameters"]["out_dir"].get<std::string>().rfind("s3://", 0), 0U);
  // Bad usage (exit 2) is not retried.
  bool exit2 = false;
  for (const auto& rule : def["retryStrategy"]["evaluateOnExit"]) {
    if (rule.value("onExitCode", "") == "2" && rule["action"] == "EXIT") exit2 = true;
  }
  EXPECT_TRUE(exit2);
}

TEST(DeployFiles, SlurmArrayMatchesItsShardCount) {
  const std::string script = read_file(kDeploy / "slurm/tiff-dumper-array.sh");
  std::smatch array, shards;
  ASSERT_TRUE(std::regex_search(script, array, std::regex(R"(#SBATCH --array=0-(\d+))")));
  ASSERT_TRUE(std::regex_search(script, shards, std::regex(R"(\nSHARDS=(\d+)\n)")));
  EXPECT_EQ(std::stoi(array[1].str()) + 1, std::stoi(shards[1].str()));
  EXPECT_NE(script.find("--resume"), std::string::npos);
}

TEST(DeployFiles, ShellScriptsParse) {
  const bool have_shellcheck = tdump::testing::run_command({"sh", "-c", "command -v shellcheck"}).exit_code == 0;
  for (const auto* name : {"slurm/tiff-dumper-array.sh", "aws-batch/submit.sh"}) {
    const auto path = (kDeploy / name).string();
    auto parsed = tdump::testing::run_command({"bash", "-n", path});
    EXPECT_EQ(parsed.exit_code, 0) << name << ": " << parsed.err;
    if (have_shellcheck) {
      auto checked = tdump::testing::run_command({"shellcheck", path});
      EXPECT_EQ(checked.exit_code, 0) << name << ": " << checked.out;
    }
  }
}

}  // namespace
}  // namespace tdump::cli
