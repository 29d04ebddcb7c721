// The real binary given hostile configs and command-line values: text that is not UTF-8 and
// counts past their bounds end with exit 2 and a message naming the key, never an uncaught
// exception (SIGABRT, exit 134) or an allocation sized by the value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::cli {
namespace {

using tdump::testing::CommandResult;
using tdump::testing::TempDir;

CommandResult run(const std::vector<std::string>& args) {
  std::vector<std::string> argv{TDUMP_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return tdump::testing::run_command(argv);
}

void expect_usage_error(const CommandResult& r, const std::string& expected, const std::string& what) {
  EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.err;
  EXPECT_NE(r.err.find(expected), std::string::npos) << what << ": expected '" << expected << "' in\n" << r.err;
  EXPECT_EQ(r.err.find("terminate"), std::string::npos) << what << "\n" << r.err;
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = tmp_.path() / "store";
    std::filesystem::create_directories(store_);
  }
  std::string config(const std::string& yaml) {
    const auto path = tmp_.path() / "config.yaml";
    tdump::testing::write_file(path, yaml);
    return path.string();
  }
  std::string out() const { return (tmp_.path() / "out").string(); }

  TempDir tmp_;
  std::filesystem::path store_;
};

TEST_F(HostileInput, ConfigTextThatIsNotUtf8IsExitTwoNamingTheKey) {
  const std::string store = "  name: " + store_.string() + "\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"store:\n  name: s3://bucket\xff/x\n", "store.name = s3://bucket%FF/x: not valid UTF-8"},
      {"store:\n" + store + "  prefixes: [\"a\xff/\"]\n", "store.prefixes[0] = a%FF/: not valid UTF-8"},
      {"store:\n" + store + "filter:\n  include: [\"*\xfe*\"]\n", "filter.include[0] = *%FE*: not valid UTF-8"},
      {"store:\n" + store +
           "filter:\n  suffixes: [\".t\xef"
           "f\"]\n",
       "filter.suffixes[0]"},
      {"store:\n  name: s3://b\n  obstore_config:\n    bucket: b\xff\n", "store.obstore_config.bucket = b%FF"},
      {"store:\n" + store + "# a Latin-1 comment: caf\xe9\n", "config.yaml:3: not valid UTF-8 text"},
  };
  for (const auto& [yaml, expected] : cases) {
    expect_usage_error(run({"headers", config(yaml), out()}), expected, yaml);
  }
}

TEST_F(HostileInput, CommandLineValuesThatAreNotUtf8AreExitTwoNamingTheOption) {
  const auto cfg = config("store:\n  name: " + store_.string() + "\n");
  expect_usage_error(run({"headers", "--prefix", "a\xff/", cfg, out()}), "--prefix a%FF/: not valid UTF-8", "--prefix");
  expect_usage_error(run({"headers", "--store", "s3://b\xff", cfg, out()}), "--store s3://b%FF: not valid UTF-8",
                     "--store");
  expect_usage_error(run({"headers", "-o", "region=\xff", cfg, out()}), "--option region=%FF: not valid UTF-8", "-o");
  expect_usage_error(run({"headers", "-o", "reg\xffion=x", cfg, out()}), "--option reg%FFion=x", "-o key");
  expect_usage_error(run({"ls", store_.string(), "--prefix", "\xff"}), "--prefix %FF: not valid UTF-8", "ls --prefix");
  expect_usage_error(run({"ls", "s3://b\xff"}), "store URL s3://b%FF: not valid UTF-8", "ls url");
  expect_usage_error(run({"ls", store_.string(), "-o", "a=\xff"}), "--option a=%FF", "ls -o");
  expect_usage_error(run({"inspect", "-o", "a=\xff", "x.tif"}), "--option a=%FF", "inspect -o");
}

TEST_F(HostileInput, CountsPastTheirBoundsAreExitTwoBeforeAnythingIsAllocated) {
  const auto cfg = config("store:\n  name: " + store_.string() + "\n");
  // 4,294,967,295 consumers used to be accepted and allocated up front (1e6 took 781 MB).
  expect_usage_error(run({"headers", "--n-consumers", "4294967295", cfg, out()}),
                     "concurrency.n_consumers = 4294967295: must be between 1 and 65536", "--n-consumers");
  expect_usage_error(run({"headers", "--io-threads", "100000", cfg, out()}), "fetch.io_threads = 100000",
                     "--io-threads");
  expect_usage_error(run({"headers", "--prefetch", "1GiB", cfg, out()}), "fetch.prefetch = 1073741824", "--prefetch");
  expect_usage_error(run({"headers", config("store:\n  name: /x\nconcurrency:\n  n_consumers: 1000000000\n"), out()}),
                     "concurrency.n_consumers = 1000000000: must be between 1 and 65536", "n_consumers in the file");
  expect_usage_error(
      run({"headers", config("store:\n  name: /x\nconcurrency:\n  max_buffer_size: 4294967295\n"), out()}),
      "must be between 1 and 100000000", "max_buffer_size in the file");
}

}  // namespace
}  // namespace tdump::cli
