// Config loading and validation: the original tool's keys and rules, our keys, and messages that
// name the key, the value, the rule and the line.
#include <gtest/gtest.h>

#include "cli/config.hpp"

namespace tdump::cli {
namespace {

std::string error_of(const std::string& yaml) {
  auto result = parse_config(yaml, "c.yaml");
  EXPECT_FALSE(result.ok()) << "expected an error for:\n" << yaml;
  return result.ok() ? std::string() : result.error().message;
}

TEST(Config, OriginalKeysAndDefaults) {
  // The original's shape: store.name, store.prefixes, store.obstore_config, concurrency.*.
  auto result = parse_config(R"(
store:
  name: s3://sentinel-cogs
  prefixes:
    - sentinel-s2-l2a-cogs/1/C/CV/
  obstore_config:
    skip_signature: true
    region: us-west-2
)",
                             "c.yaml");
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto& c = *result;
  EXPECT_EQ(c.store_name, "s3://sentinel-cogs");
  ASSERT_EQ(c.prefixes.size(), 1U);
  EXPECT_EQ(c.prefixes[0], "sentinel-s2-l2a-cogs/1/C/CV/");
  EXPECT_EQ(c.store_options.at("skip_signature"), "true");
  EXPECT_EQ(c.store_options.at("region"), "us-west-2");
  EXPECT_EQ(c.n_consumers, 1000U);
  EXPECT_EQ(c.list_chunk_size, 10000U);
  EXPECT_EQ(c.max_buffer_size, 1000000U);
  EXPECT_EQ(c.write_chunk_size, 100000U);
  EXPECT_EQ(c.prefetch, 16384U);
  EXPECT_EQ(c.compression, OutputCompression::kSnappy);
}

TEST(Config, OptionsIsAnAliasOfObstoreConfig) {
  auto result = parse_config("store:\n  name: az://c\n  options:\n    account_name: acc\n", "c.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->store_options.at("account_name"), "acc");
  auto both = error_of("store:\n  name: az://c\n  options: {a: 1}\n  obstore_config: {b: 2}\n");
  EXPECT_NE(both.find("give only one"), std::string::npos) << both;
}

TEST(Config, ConsumersAboveListChunkNamesKeysValuesRuleAndLines) {
  auto message = error_of(R"(store:
  name: s3://b
concurrency:
  n_consumers: 500
  list_chunk_size: 100
  write_chunk_size: 1000
  max_buffer_size: 10000
)");
  EXPECT_NE(message.find("concurrency.n_consumers = 500 (line 4)"), std::string::npos) << message;
  EXPECT_NE(message.find("concurrency.list_chunk_size = 100 (line 5)"), std::string::npos) << message;
  EXPECT_NE(message.find("n_consumers <= list_chunk_size <= write_chunk_size <= max_buffer_size"), std::string::npos);
}

TEST(Config, ListChunkAboveWriteChunk) {
  auto message = error_of("store: {name: s3://b}\nconcurrency: {list_chunk_size: 200000}\n");
  EXPECT_NE(message.find("concurrency.list_chunk_size = 200000"), std::string::npos) << message;
  EXPECT_NE(message.find("concurrency.write_chunk_size = 100000"), std::string::npos) << message;
}

TEST(Config, WriteChunkAboveMaxBuffer) {
  auto message = error_of("store: {name: s3://b}\nconcurrency: {write_chunk_size: 2000000}\n");
  EXPECT_NE(message.find("concurrency.write_chunk_size = 2000000"), std::string::npos) << message;
  EXPECT_NE(message.find("max_buffer_size = 1000000"), std::string::npos) << message;
}

TEST(Config, ListChunkMustDivideMaxBuffer) {
  auto message = error_of("store: {name: s3://b}\nconcurrency: {list_chunk_size: 3000}\n");
  EXPECT_NE(message.find("max_buffer_size = 1000000"), std::string::npos) << message;
  EXPECT_NE(message.find("list_chunk_size = 3000"), std::string::npos) << message;
  EXPECT_NE(message.find("list_chunk_size divides max_buffer_size"), std::string::npos) << message;
}

TEST(Config, ZeroIsRejectedWithItsRange) {
  auto message = error_of("store: {name: s3://b}\nconcurrency:\n  n_consumers: 0\n");
  EXPECT_NE(message.find("c.yaml:3: concurrency.n_consumers = 0: must be between 1 and"), std::string::npos) << message;
}

TEST(Config, NotANumber) {
  auto message = error_of("store: {name: s3://b}\nconcurrency:\n  n_consumers: lots\n");
  EXPECT_NE(message.find("c.yaml:3: concurrency.n_consumers = lots: must be a whole number"), std::string::npos)
      << message;
}

TEST(Config, UnknownKeysSuggestTheClosest) {
  auto message = error_of("store: {name: s3://b}\nconcurrency:\n  n_consumer: 10\n");
  EXPECT_NE(message.find("c.yaml:3: unknown key 'concurrency.n_consumer' (did you mean 'n_consumers'?)"),
            std::string::npos)
      << message;
  auto top = error_of("stor: {name: s3://b}\n");
  EXPECT_NE(top.find("did you mean 'store'?"), std::string::npos) << top;
}

TEST(Config, MissingStoreName) {
  EXPECT_NE(error_of("store:\n  prefixes: [a/]\n").find("store.name: missing"), std::string::npos);
  EXPECT_NE(error_of("concurrency: {n_consumers: 1}\n").find("missing 'store' section"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
}

TEST(Config, InvalidYamlGivesLineAndColumn) {
  auto message = error_of("store:\n  name: [unclosed\n");
  EXPECT_NE(message.find("not valid YAML"), std::string::npos) << message;
  EXPECT_EQ(message.rfind("c.yaml:", 0), 0U) << message;
}

TEST(Config, OurKeys) {
  auto result = parse_config(R"(
store: {name: /data}
filter: {suffixes: [.tif, .gtiff], include: ["*/B0?.tif"], exclude: ["*/tmp/*"]}
fetch: {prefetch: 32KiB, max_header_bytes: 8MiB, io_threads: 2, own_http1: false}
retry: {max_retries: 3, init_backoff: 50ms, max_backoff: 2s, retry_timeout: 1m}
output: {compression: zstd, compression_level: 9, row_group_size: 5000}
)",
                             "c.yaml");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->suffixes, (std::vector<std::string>{".tif", ".gtiff"}));
  EXPECT_EQ(result->prefetch, 32768U);
  EXPECT_EQ(result->max_header_bytes, 8U << 20);
  EXPECT_EQ(result->io_threads, 2U);
  EXPECT_FALSE(result->own_http1);
  EXPECT_TRUE(RunConfig{}.own_http1);
  EXPECT_EQ(result->max_retries, 3U);
  EXPECT_EQ(result->init_backoff.count(), 50);
  EXPECT_EQ(result->retry_timeout.count(), 60000);
  EXPECT_EQ(result->compression, OutputCompression::kZstd);
  EXPECT_EQ(result->compression_level, 9);
  EXPECT_EQ(result->row_group_size, 5000U);
}

TEST(Config, BadValuesOfOurKeys) {
  EXPECT_NE(error_of("store: {name: /d}\noutput: {compression: gzip}\n").find("must be one of snappy, zstd, none"),
            std::string::npos);
  EXPECT_NE(error_of("store: {name: /d}\nretry: {init_backoff: soon}\n").find("must be a duration"), std::string::npos);
  EXPECT_NE(error_of("store: {name: /d}\nfetch: {prefetch: 16 parsecs}\n").find("must be a size in bytes"),
            std::string::npos);
  EXPECT_NE(error_of("store: {name: /d}\nretry: {init_backoff: 5s, max_backoff: 1s}\n").find("retry.max_backoff"),
            std::string::npos);
  EXPECT_NE(error_of("store: {name: /d}\nstore: {name: /e}\n")
                .find("c.yaml:2: duplicate key 'store' (first given on line 1)"),
            std::string::npos);
}

TEST(Config, ValidateAfterOverrides) {
  RunConfig c;
  c.store_name = "s3://b";
  EXPECT_TRUE(validate_config(c).ok());
  c.n_consumers = 20000;
  auto status = validate_config(c);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("concurrency.n_consumers = 20000"), std::string::npos);
}

TEST(Config, EveryCountHasAnUpperBoundNamedInTheMessage) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"concurrency:\n  n_consumers: 4294967295\n",
       "concurrency.n_consumers = 4294967295: must be between 1 and 65536"},
      {"concurrency:\n  list_chunk_size: 2000000\n",
       "concurrency.list_chunk_size = 2000000: must be between 1 and 1000000"},
      {"concurrency:\n  max_buffer_size: 4000000000\n", "must be between 1 and 100000000"},
      {"concurrency:\n  write_chunk_size: 4000000000\n", "must be between 1 and 100000000"},
      {"concurrency:\n  list_parallelism: 100000\n",
       "concurrency.list_parallelism = 100000: must be between 1 and 1024"},
      {"concurrency:\n  list_parallelism: 0\n", "must be between 1 and 1024"},
      {"concurrency:\n  max_buffer_bytes: 1KiB\n", "concurrency.max_buffer_bytes = 1KiB: must be between 1048576"},
      {"output:\n  max_batch_bytes: 100GiB\n",
       "output.max_batch_bytes = 100GiB: must be between 1048576 and 68719476736"},
      {"fetch:\n  io_threads: 100000\n", "fetch.io_threads = 100000: must be between 1 and 256"},
      {"fetch:\n  own_http1: yes\n", "fetch.own_http1 = yes: must be true or false"},
  };
  for (const auto& c : cases) {
    auto message = error_of("store: {name: s3://b}\n" + c.yaml);
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.yaml << " -> " << message;
  }
}

TEST(Config, OverridesAreBoundedToo) {
  RunConfig c;
  c.store_name = "s3://b";
  c.n_consumers = 1'000'000'000;
  auto status = validate_config(c);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("concurrency.n_consumers = 1000000000: must be between 1 and 65536"),
            std::string::npos)
      << status.error().message;
  c = RunConfig{};
  c.store_name = "s3://b";
  c.io_threads = 4096;
  status = validate_config(c);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("fetch.io_threads = 4096"), std::string::npos);
  c = RunConfig{};
  c.store_name = "s3://b";
  c.prefetch = 1ULL << 30;
  status = validate_config(c);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("fetch.prefetch = 1073741824"), std::string::npos);
}

TEST(Config, AMillionAndOnePrefixesAreRefusedWithTheLimit) {
  RunConfig c;
  c.store_name = "s3://b";
  c.prefixes.assign(1'000'000, "p/");
  EXPECT_TRUE(validate_config(c).ok());
  c.prefixes.emplace_back("q/");
  auto status = validate_config(c);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("store.prefixes: 1000001 prefixes, more than the limit of 1000000"),
            std::string::npos)
      << status.error().message;
}

TEST(Config, NewKeysAndTheirDefaults) {
  auto defaults = parse_config("store: {name: s3://b}\n", "c.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->max_buffer_bytes, 256U << 20);
  EXPECT_EQ(defaults->list_parallelism, 32U);
  EXPECT_EQ(defaults->max_batch_bytes, 256U << 20);
  auto set = parse_config(
      "store: {name: s3://b}\nconcurrency: {max_buffer_bytes: 64MiB, list_parallelism: 32}\n"
      "output: {max_batch_bytes: 16MiB}\n",
      "c.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->max_buffer_bytes, 64U << 20);
  EXPECT_EQ(set->list_parallelism, 32U);
  EXPECT_EQ(set->max_batch_bytes, 16U << 20);
}

TEST(Config, TextThatIsNotUtf8IsRefusedNamingTheKeyAndLine) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"store:\n  name: s3://b\xff\n", "c.yaml:2: store.name = s3://b%FF: not valid UTF-8"},
      {"store:\n  name: s3://b\n  prefixes: [ok/, \"a\xc3\x28/\"]\n",
       "c.yaml:3: store.prefixes[1] = a%C3(/: not valid UTF-8"},
      {"store: {name: s3://b}\nfilter:\n  include: ['*\xfe*']\n",
       "c.yaml:3: filter.include[0] = *%FE*: not valid UTF-8"},
      {"store:\n  name: s3://b\n  obstore_config:\n    bucket: b\xff\n",
       "c.yaml:4: store.obstore_config.bucket = b%FF: not valid UTF-8"},
      {"store:\n  name: s3://b\n  obstore_config:\n    regi\xffon: x\n",
       "c.yaml:4: key 'store.obstore_config.regi%FFon'"},
      {"st\xffore:\n  name: s3://b\n", "c.yaml:1: key 'st%FFore': not valid UTF-8"},
      {"store: {name: s3://b}\n# caf\xe9\n", "c.yaml:2: not valid UTF-8 text"},
  };
  for (const auto& c : cases) {
    auto message = error_of(c.yaml);
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.expected << " -> " << message;
  }
  // Overrides from the command line are checked the same way.
  RunConfig config;
  config.store_name = "s3://b";
  config.include = {"*\xff"};
  auto status = validate_config(config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("filter.include = *%FF: not valid UTF-8"), std::string::npos)
      << status.error().message;
}

}  // namespace
}  // namespace tdump::cli
