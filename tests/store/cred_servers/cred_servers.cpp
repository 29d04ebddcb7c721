#include "cred_servers.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "duckdb.hpp"
#include "net.hpp"
#include "servers.hpp"

namespace tdump::store::testing {

PyServer::PyServer(const std::string& script, const std::vector<std::string>& args) {
  auto path = tdump::testing::source_dir() / "tests/store/cred_servers" / script;
  if (!std::filesystem::exists(path)) path = tdump::testing::source_dir() / "tests/store" / script;
  auto started = tdump::testing::start_python_server(path, args, dir_.path(), dir_ / "server.log");
  port_ = started.port;
  process_ = std::move(started.process);
}

int PyServer::stat(const std::string& name) const {
  auto r = tdump::testing::simple_http("GET", port_, "/_stats");
  if (r.status != 200) throw std::runtime_error("/_stats answered " + std::to_string(r.status));
  auto json = nlohmann::json::parse(r.body);
  return json.value(name, 0);
}

std::filesystem::path write_az_stub(const std::filesystem::path& dir, const std::filesystem::path& token_file,
                                    int lifetime_seconds, AzStubMode mode) {
  std::filesystem::create_directories(dir);
  std::string body;
  switch (mode) {
    case AzStubMode::kOk:
    case AzStubMode::kLocalOnly:
      body = R"(now=$(date +%s)
exp=$((now + LIFETIME))
tok="eyJ0eXAiOiJKV1QifQ.cli-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n').c2ln"
printf '%s\t%s.000\t%s\n' "$tok" "$exp" "https://storage.azure.com" >> 'TOKENFILE'
local=$(date -d "@$exp" '+%Y-%m-%d %H:%M:%S.000000')
)";
      body +=
          mode == AzStubMode::kOk
              ? R"(printf '{"accessToken": "%s", "expiresOn": "%s", "expires_on": %s, "subscription": "s", "tenant": "t", "tokenType": "Bearer"}\n' "$tok" "$local" "$exp"
)"
              : R"(printf '{"accessToken": "%s", "expiresOn": "%s", "subscription": "s", "tenant": "t", "tokenType": "Bearer"}\n' "$tok" "$local"
)";
      break;
    case AzStubMode::kNotLoggedIn:
      body = "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n";
      break;
    case AzStubMode::kLeakyError:
      body =
          "echo 'ERROR: refresh failed for token eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXN0dWZmLWhlcmU.c2lnbmF0dXJl' >&2\n"
          "exit 1\n";
      break;
    case AzStubMode::kSlow:
      body = "sleep 30\n";
      break;
    case AzStubMode::kHuge:
      body = "head -c 204800 /dev/zero | tr '\\0' 'x'\n";
      break;
  }
  std::string script = "#!/bin/sh\n# A stub of the Azure CLI for tests: only `az account get-access-token`.\n";
  script += "echo run >> '" + (dir / "runs").string() + "'\n";
  script +=
      "[ \"$*\" = \"account get-access-token --resource https://storage.azure.com --output json\" ] || "
      "{ echo \"ERROR: unexpected arguments: $*\" >&2; exit 2; }\n";
  for (std::size_t at = body.find("TOKENFILE"); at != std::string::npos; at = body.find("TOKENFILE")) {
    body.replace(at, 9, token_file.string());
  }
  for (std::size_t at = body.find("LIFETIME"); at != std::string::npos; at = body.find("LIFETIME")) {
    body.replace(at, 8, std::to_string(lifetime_seconds));
  }
  script += body;
  tdump::testing::write_file(dir / "az", script);
  ::chmod((dir / "az").c_str(), 0755);
  return dir;
}

int az_stub_runs(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir / "runs")) return 0;
  auto text = tdump::testing::read_file(dir / "runs");
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::vector<std::string> make_tiffs(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder / "cogs");
  tdump::testing::run_checked(
      {"gdal_create", "-q",      "-of", "GTiff", "-outsize", "64", "64",
       "-bands",      "1",       "-ot", "Byte",  "-burn",    "7",  "-a_srs",
       "EPSG:4326",   "-a_ullr", "10",  "50",    "11",       "49", (folder / "plain.tif").string()});
  tdump::testing::run_checked({"gdal_translate", "-q", "-of", "COG", "-co", "BLOCKSIZE=256",
                               (folder / "plain.tif").string(), (folder / "cogs/one.tif").string()});
  return {"cogs/one.tif", "plain.tif"};
}

HeadersRun run_headers_isolated(const std::filesystem::path& dir, const std::string& store_url,
                                const std::map<std::string, std::string>& store_options,
                                const std::map<std::string, std::string>& env) {
  std::string config = "store:\n  name: " + store_url + "\n  obstore_config:\n";
  for (const auto& [key, value] : store_options) {
    config += "    ";
    config += key;
    config += ": \"";
    config += value;
    config += "\"\n";
  }
  config += "concurrency:\n  n_consumers: 4\n  list_chunk_size: 10\n  write_chunk_size: 100\n  max_buffer_size: 1000\n";
  tdump::testing::write_file(dir / "config.yaml", config);
  const auto out = dir / "out";
  std::vector<std::string> argv = {"env", "-i", "PATH=/usr/bin:/bin", "HOME=" + dir.string()};
  for (const auto& [name, value] : env) {
    std::string assignment = name;
    assignment += '=';
    assignment += value;
    argv.push_back(std::move(assignment));
  }
  argv.insert(argv.end(), {TDUMP_CLI_PATH, "headers", "-q", (dir / "config.yaml").string(), out.string()});
  auto result = tdump::testing::run_command(argv);
  HeadersRun run{result.exit_code, result.err};
  auto count = [&](const std::string& glob) {
    bool any = false;
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
      any = any || entry.path().filename().string().starts_with(glob.substr(0, glob.find('*')));
    }
    if (!any) return 0;
    auto rows = tdump::testing::duckdb_query("SELECT count(*) AS n FROM read_parquet('" + (out / glob).string() + "')");
    const auto& n = rows.at(0).at("n");
    return n.is_string() ? std::stoi(n.get<std::string>()) : n.get<int>();
  };
  if (std::filesystem::is_directory(out)) {
    run.rows = count("part-*.parquet");
    run.error_rows = count("errors-*.parquet");
  }
  return run;
}

}  // namespace tdump::store::testing
