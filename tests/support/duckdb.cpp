#include "duckdb.hpp"

#include <stdexcept>

#include "process.hpp"
#include "servers.hpp"

namespace tdump::testing {

nlohmann::json duckdb_queries(const std::vector<std::string>& sqls) {
  nlohmann::json input = sqls;
  auto script = source_dir() / "tests" / "support" / "duckdb_query.mjs";
  auto r = run_command({"node", script.string()}, {{"NODE_PATH", (source_dir() / "node_modules").string()}},
                       input.dump(), source_dir());
  if (r.exit_code != 0) throw std::runtime_error("duckdb: " + r.err);
  return nlohmann::json::parse(r.out);
}

nlohmann::json duckdb_query(const std::string& sql) {
  return duckdb_queries({sql}).at(0);
}

}  // namespace tdump::testing
