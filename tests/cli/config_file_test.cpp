// The repository's config.yaml is the documented example: it must load, and document every key.
#include <gtest/gtest.h>

#include "cli/config.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::cli {
namespace {

TEST(ConfigFile, TheRepositoryExampleLoadsWithTheDocumentedDefaults) {
  auto path = tdump::testing::source_dir() / "config.yaml";
  auto result = load_config(path);
  ASSERT_TRUE(result.ok()) << result.error().message;
  RunConfig defaults;
  EXPECT_EQ(result->n_consumers, defaults.n_consumers);
  EXPECT_EQ(result->prefetch, defaults.prefetch);
  EXPECT_EQ(result->max_header_bytes, defaults.max_header_bytes);
  EXPECT_EQ(result->retry_timeout, defaults.retry_timeout);
  EXPECT_EQ(result->suffixes, defaults.suffixes);
  EXPECT_EQ(result->store_options.at("skip_signature"), "true");
}

TEST(ConfigFile, EveryKnownKeyIsInTheExample) {
  auto text = tdump::testing::read_file(tdump::testing::source_dir() / "config.yaml");
  for (const auto& dotted : known_config_keys()) {
    auto leaf = dotted.substr(dotted.find('.') + 1);
    if (leaf == "options") continue;  // the alias of obstore_config, described in a comment
    EXPECT_NE(text.find(leaf + ":"), std::string::npos) << dotted << " is not documented in config.yaml";
  }
}

TEST(ConfigFile, MissingFileAndDirectoryAreNamed) {
  tdump::testing::TempDir tmp;
  auto missing = load_config(tmp.path() / "nope.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.yaml: does not exist"), std::string::npos);
  auto dir = load_config(tmp.path());
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("is not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace tdump::cli
