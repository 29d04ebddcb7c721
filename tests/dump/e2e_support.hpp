#pragma once
// End-to-end helpers: run the real `tiff-dumper` binary and read its output with DuckDB.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "servers.hpp"

namespace tdump::dump::testing {

// Runs tiff-dumper with `args` (no shell); the environment gets `env` on top.
tdump::testing::CommandResult run_cli(const std::vector<std::string>& args,
                                      const std::map<std::string, std::string>& env = {});
// Starts tiff-dumper in the background (for kill tests); output goes to `log`.
tdump::testing::ChildProcess start_cli(const std::vector<std::string>& args, const std::filesystem::path& log,
                                       const std::map<std::string, std::string>& env = {});

// A config file with the given store and concurrency, plus `extra` YAML appended.
std::filesystem::path write_config(const std::filesystem::path& dir, const std::string& store_name,
                                   const std::string& extra = {}, const std::string& concurrency = {});

// The fixture tree of an end-to-end run under `root`: every valid fixture
// (tests/fixtures/make_tiff_fixtures.sh) under each of `valid_prefixes` ("a/2024/": relative,
// ending in '/'), and every committed broken file under "broken/".
void copy_fixture_tree(const std::filesystem::path& root, const std::vector<std::string>& valid_prefixes);

// output.store_options YAML for moto_server at `endpoint` (plain HTTP, us-east-1, the AWS
// documentation's example key pair: moto does not check signatures, but writes need credentials).
std::string moto_output_yaml(const std::string& endpoint);

// A DuckDB integer from its JSON output, which spells BIGINT and HUGEINT results as strings.
std::int64_t as_int(const nlohmann::json& value);

// SQL text for a quoted string literal.
std::string sql_quote(const std::string& text);
// read_parquet(...) over the data or error files of an output directory.
std::string data_files(const std::filesystem::path& out);
std::string error_files(const std::filesystem::path& out);

// Every key written (data and error rows), with how many rows each has.
std::map<std::string, int> keys_written(const std::filesystem::path& out);
// Keys under `root` (a local folder) whose name ends like a TIFF, relative with '/'.
std::set<std::string> tiff_keys_under(const std::filesystem::path& root);
// `out` against a reference run over the same local tree `root`: every TIFF key under `root`
// exactly once, the same data rows as `reference` (DuckDB EXCEPT both ways), and the same error
// rows in `error_columns` (a SELECT list, e.g. "path, stage, kind"). Fails the current test.
void expect_same_rows_as(const std::filesystem::path& out, const std::filesystem::path& reference,
                         const std::filesystem::path& root, const std::string& error_columns);
// Files of `out` that are not final outputs or bookkeeping (temp files left behind).
std::vector<std::string> stray_files(const std::filesystem::path& out);

// Every object under `prefix` of a moto bucket (or an Azurite container), fetched with the
// test's own plain HTTP GETs (never our store code) into `dir`, names relative to the prefix.
// Returns the names.
std::vector<std::string> download_s3(const tdump::testing::MotoServer& moto, const std::string& bucket,
                                     const std::string& prefix, const std::filesystem::path& dir);
std::vector<std::string> download_azure(const tdump::testing::AzuriteServer& azurite, const std::string& container,
                                        const std::string& prefix, const std::filesystem::path& dir);

}  // namespace tdump::dump::testing
