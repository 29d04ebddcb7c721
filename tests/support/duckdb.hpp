#pragma once
// DuckDB (from the npm registry) as the independent Parquet reader of the tests.
#include <nlohmann/json.hpp>
#include <string>

namespace tdump::testing {

// Runs one SQL statement and returns its rows as a JSON array of objects
// (DuckDB's JSON rendering: BIGINT as strings, BLOB as escaped strings, nested types as JSON).
// Throws std::runtime_error with DuckDB's message on failure.
nlohmann::json duckdb_query(const std::string& sql);

// The same, for several statements at once (one node start): a JSON array of row arrays.
nlohmann::json duckdb_queries(const std::vector<std::string>& sqls);

}  // namespace tdump::testing
