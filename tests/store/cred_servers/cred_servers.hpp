#pragma once
// The credential test servers of tests/store/cred_servers/ (Python stdlib) as test fixtures: each
// runs on a free 127.0.0.1 port in its own temp dir and is killed on destruction. They write the
// tokens they issue to a shared token file, which the data servers (the GCS JSON-API test server
// with --token-file, azure_blob_server.py) read to accept exactly those tokens.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace tdump::store::testing {

// A Python server from tests/store/cred_servers/ (or tests/store/), started with
// `--port N` followed by `args`.
class PyServer {
 public:
  PyServer(const std::string& script, const std::vector<std::string>& args);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string base_url() const { return "http://" + host(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_.path(); }
  // A counter from GET /_stats (0 when absent).
  [[nodiscard]] int stat(const std::string& name) const;

 private:
  tdump::testing::TempDir dir_{"credsrv"};
  std::uint16_t port_ = 0;
  tdump::testing::ChildProcess process_;
};

// How the stub `az` behaves.
enum class AzStubMode {
  kOk,           // prints a token (expires_on and expiresOn) and records it in the token file
  kLocalOnly,    // the same without expires_on (an az older than 2.54)
  kNotLoggedIn,  // "ERROR: Please run 'az login' to setup account." on stderr, exit 1
  kLeakyError,   // fails with a token-like secret in its stderr line
  kSlow,         // sleeps 30 s
  kHuge,         // prints 200 KiB
};

// Writes DIR/az, a POSIX sh stub of `az account get-access-token --resource
// https://storage.azure.com --output json` (any other arguments: exit 2), and returns DIR.
// Tokens live `lifetime_seconds`; each run appends a line to DIR/runs.
std::filesystem::path write_az_stub(const std::filesystem::path& dir, const std::filesystem::path& token_file,
                                    int lifetime_seconds, AzStubMode mode);
// Number of times the stub ran.
int az_stub_runs(const std::filesystem::path& dir);

// Small GeoTIFFs made with gdal_create / gdal_translate into `folder` (names returned), the
// objects the data servers serve.
std::vector<std::string> make_tiffs(const std::filesystem::path& folder);

// `tiff-dumper headers` over `store_url` with `store_options` (the obstore_config section), run
// under `env -i` with only PATH=/usr/bin:/bin, HOME=dir and `env`: nothing else is picked up by
// accident. Rows are counted by DuckDB in OUT_DIR's Parquet files.
struct HeadersRun {
  int exit_code = -1;
  std::string err;
  int rows = 0;        // part-*.parquet
  int error_rows = 0;  // errors-*.parquet
};
HeadersRun run_headers_isolated(const std::filesystem::path& dir, const std::string& store_url,
                                const std::map<std::string, std::string>& store_options,
                                const std::map<std::string, std::string>& env);

}  // namespace tdump::store::testing
