#include "e2e_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "duckdb.hpp"
#include "fixtures.hpp"
#include "net.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::dump::testing {
namespace fs = std::filesystem;

tdump::testing::CommandResult run_cli(const std::vector<std::string>& args,
                                      const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{TDUMP_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return tdump::testing::run_command(argv, env);
}

tdump::testing::ChildProcess start_cli(const std::vector<std::string>& args, const fs::path& log,
                                       const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{TDUMP_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return tdump::testing::ChildProcess(argv, env, {}, log);
}

void copy_fixture_tree(const fs::path& root, const std::vector<std::string>& valid_prefixes) {
  const auto valid = tdump::tiff::testing::valid_fixtures();
  for (const auto& prefix : valid_prefixes) {
    fs::create_directories(root / prefix);
    for (const auto& f : valid) fs::copy_file(f, root / prefix / f.filename());
  }
  fs::create_directories(root / "broken");
  for (const auto& [name, kind] : tdump::tiff::testing::broken_fixtures()) {
    fs::copy_file(tdump::tiff::testing::broken_fixtures_dir() / name, root / "broken" / name);
  }
}

std::string moto_output_yaml(const std::string& endpoint) {
  return "output:\n  store_options:\n    endpoint: " + endpoint +
         "\n    allow_http: true\n    region: us-east-1\n"
         "    access_key_id: AKIAIOSFODNN7EXAMPLE\n    secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
}

std::int64_t as_int(const nlohmann::json& value) {
  return value.is_string() ? std::stoll(value.get<std::string>()) : value.get<std::int64_t>();
}

fs::path write_config(const fs::path& dir, const std::string& store_name, const std::string& extra,
                      const std::string& concurrency) {
  std::string text = "store:\n  name: " + store_name + "\n";
  text += concurrency.empty() ? "concurrency:\n  n_consumers: 16\n  list_chunk_size: 50\n  write_chunk_size: 100\n"
                                "  max_buffer_size: 1000\n"
                              : concurrency;
  text += extra;
  auto path = dir / "config.yaml";
  tdump::testing::write_file(path, text);
  return path;
}

std::string sql_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string data_files(const fs::path& out) {
  return "read_parquet(" + sql_quote((out / "part-*.parquet").string()) + ")";
}
std::string error_files(const fs::path& out) {
  return "read_parquet(" + sql_quote((out / "errors-*.parquet").string()) + ")";
}

std::map<std::string, int> keys_written(const fs::path& out) {
  std::vector<std::string> parts;
  bool any_data = false;
  bool any_errors = false;
  for (const auto& e : fs::directory_iterator(out)) {
    auto name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0 && e.path().extension() == ".parquet") any_data = true;
    if (name.rfind("errors-", 0) == 0 && e.path().extension() == ".parquet") any_errors = true;
  }
  if (any_data) parts.push_back("SELECT path FROM " + data_files(out));
  if (any_errors) parts.push_back("SELECT path FROM " + error_files(out) + " WHERE stage <> 'list'");
  std::map<std::string, int> keys;
  if (parts.empty()) return keys;
  std::string sql = "SELECT path, count(*) AS n FROM (";
  for (std::size_t i = 0; i < parts.size(); ++i) sql += (i ? " UNION ALL " : "") + parts[i];
  sql += ") GROUP BY path";
  for (const auto& row : tdump::testing::duckdb_query(sql)) {
    keys[row["path"].get<std::string>()] =
        std::stoi(row["n"].is_string() ? row["n"].get<std::string>() : std::to_string(row["n"].get<long>()));
  }
  return keys;
}

std::set<std::string> tiff_keys_under(const fs::path& root) {
  std::set<std::string> keys;
  std::regex tiff(R"(.*\.(tif|tiff)$)", std::regex::icase);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    auto rel = fs::relative(e.path(), root).generic_string();
    if (std::regex_match(rel, tiff)) keys.insert(rel);
  }
  return keys;
}

std::vector<std::string> stray_files(const fs::path& out) {
  std::vector<std::string> stray;
  std::regex final_name(R"((part|errors)-\d{5}-\d{6}\.parquet|_SUCCESS(-\d{5}-of-\d{5})?)");
  for (const auto& e : fs::directory_iterator(out)) {
    auto name = e.path().filename().string();
    if (name == "_tiff_dumper") continue;
    if (!std::regex_match(name, final_name)) stray.push_back(name);
  }
  for (const auto& e : fs::recursive_directory_iterator(out / "_tiff_dumper")) {
    auto name = e.path().filename().string();
    if (e.is_regular_file() && name.find(".tmp") != std::string::npos) stray.push_back(name);
  }
  return stray;
}

namespace {

// XML text of S3 / Azure listings: the few entities a key can carry.
std::string xml_unescape(std::string text) {
  for (auto [entity, c] : {std::pair{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}}) {
    text = std::regex_replace(text, std::regex(entity), c);
  }
  return text;
}

std::vector<std::string> matches(const std::string& body, const std::string& tag) {
  std::vector<std::string> out;
  std::regex re("<" + tag + ">([^<]*)</" + tag + ">");
  for (std::sregex_iterator it(body.begin(), body.end(), re), end; it != end; ++it) {
    out.push_back(xml_unescape((*it)[1].str()));
  }
  return out;
}

}  // namespace

void expect_same_rows_as(const fs::path& out, const fs::path& reference, const fs::path& root,
                         const std::string& error_columns) {
  auto written = keys_written(out);
  const auto expected = tiff_keys_under(root);
  ASSERT_EQ(written.size(), expected.size());
  for (const auto& key : expected) EXPECT_EQ(written[key], 1) << key;
  auto except = [](const std::string& a, const std::string& b) {
    return as_int(tdump::testing::duckdb_query("SELECT count(*) AS n FROM (SELECT * FROM " + a +
                                               " EXCEPT SELECT * FROM " + b + ")")[0]["n"]);
  };
  EXPECT_EQ(except(data_files(out), data_files(reference)), 0);
  EXPECT_EQ(except(data_files(reference), data_files(out)), 0);
  auto errors = [&](const fs::path& o) {
    return tdump::testing::duckdb_query("SELECT " + error_columns + " FROM " + error_files(o) + " ORDER BY path");
  };
  EXPECT_EQ(errors(out), errors(reference));
}

std::vector<std::string> download_s3(const tdump::testing::MotoServer& moto, const std::string& bucket,
                                     const std::string& prefix, const fs::path& dir) {
  auto listing = tdump::testing::simple_http(
      "GET", moto.port(),
      "/" + bucket + "?list-type=2&max-keys=1000&prefix=" + tdump::testing::url_encode_path(prefix));
  EXPECT_EQ(listing.status, 200) << listing.body;
  EXPECT_EQ(listing.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos);
  std::vector<std::string> names;
  for (const auto& key : matches(listing.body, "Key")) {
    auto object =
        tdump::testing::simple_http("GET", moto.port(), "/" + bucket + "/" + tdump::testing::url_encode_path(key));
    EXPECT_EQ(object.status, 200) << key;
    auto name = key.substr(prefix.size());
    fs::create_directories((dir / name).parent_path());
    tdump::testing::write_file(dir / name, object.body);
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> download_azure(const tdump::testing::AzuriteServer& azurite, const std::string& container,
                                        const std::string& prefix, const fs::path& dir) {
  const std::string base = std::string("/") + tdump::testing::AzuriteServer::kAccount + "/" + container;
  const std::string sas = tdump::testing::AzuriteServer::kSas;
  auto listing = tdump::testing::simple_http("GET", azurite.port(),
                                             base + "?restype=container&comp=list&maxresults=5000&prefix=" +
                                                 tdump::testing::url_encode_path(prefix) + "&" + sas);
  EXPECT_EQ(listing.status, 200) << listing.body;
  std::vector<std::string> names;
  for (const auto& key : matches(listing.body, "Name")) {
    auto object = tdump::testing::simple_http("GET", azurite.port(),
                                              base + "/" + tdump::testing::url_encode_path(key) + "?" + sas);
    EXPECT_EQ(object.status, 200) << key;
    auto name = key.substr(prefix.size());
    fs::create_directories((dir / name).parent_path());
    tdump::testing::write_file(dir / name, object.body);
    names.push_back(name);
  }
  return names;
}

}  // namespace tdump::dump::testing
