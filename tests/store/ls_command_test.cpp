// `tiff-dumper ls` as a user runs it: listings of a local folder and an nginx WebDAV tree with
// sizes and dates checked against stat(2), JSON lines, and the exit codes of bad configs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "hostile_server.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

tdump::testing::CommandResult ls(std::vector<std::string> args) {
  args.insert(args.begin(), {TDUMP_CLI_PATH, "ls"});
  return tdump::testing::run_command(args, {{"HOME", "/nonexistent"}, {"AWS_ACCESS_KEY_ID", ""}});
}

std::string utc(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

TEST(LsCommand, LocalFolderWithSizesDatesAndTotal) {
  tdump::testing::TempDir dir("lscmd");
  tdump::testing::write_file(dir / "b/two.tif", "22");
  tdump::testing::write_file(dir / "a one.tif", "1");
  tdump::testing::write_file(dir / "b/c/three.tif", "333");
  auto r = ls({dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 4U) << r.out;
  const std::vector<std::string> keys = {"a one.tif", "b/c/three.tif", "b/two.tif"};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    struct stat st {};
    ASSERT_EQ(stat((dir / keys[i]).c_str(), &st), 0);
    std::istringstream fields(lines[i]);
    std::string size, date;
    fields >> size >> date;
    EXPECT_EQ(size, std::to_string(st.st_size)) << lines[i];
    EXPECT_EQ(date, utc(st.st_mtime)) << lines[i];
    EXPECT_EQ(lines[i].substr(lines[i].size() - keys[i].size()), keys[i]);
  }
  EXPECT_EQ(lines[3], "total: 3 objects, 6 bytes");

  auto prefixed = ls({dir.path().string(), "--prefix", "b/", "--json"});
  ASSERT_EQ(prefixed.exit_code, 0) << prefixed.err;
  auto json_lines = split_lines(prefixed.out);
  ASSERT_EQ(json_lines.size(), 2U);
  auto first = nlohmann::json::parse(json_lines[0]);
  EXPECT_EQ(first["key"], "b/c/three.tif");
  EXPECT_EQ(first["size"], 3);
  EXPECT_EQ(first["url"], "file://" + dir.path().string() + "/b/c/three.tif");
  EXPECT_NE(prefixed.err.find("total: 2 objects, 5 bytes"), std::string::npos);
}

TEST(LsCommand, WebDavTreeOverHttp) {
  tdump::testing::NginxServer nginx;
  tdump::testing::write_file(nginx.root() / "data/x y/1.tif", "abcd");
  tdump::testing::write_file(nginx.root() / "data/2.tif", "ef");
  auto r = ls({nginx.base_url() + "/data", "--page-size", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 3U) << r.out;
  EXPECT_NE(lines[0].find("2.tif"), std::string::npos);
  EXPECT_NE(lines[1].find("x y/1.tif"), std::string::npos);
  EXPECT_EQ(lines[2], "total: 2 objects, 6 bytes");
}

TEST(LsCommand, KeysThatAreNotUtf8HaveOneSpellingEach) {
  // An S3 listing (encoding-type=url) from our own server: S3 itself stores only UTF-8 keys
  // and moto turns a raw 0xFF into U+FFFD on upload, but a listing is untrusted bytes.
  tdump::testing::HostileServer server;
  std::string body = "<?xml version=\"1.0\"?><ListBucketResult><Name>bkt</Name>";
  for (const char* key : {"c%C3%BF.tif", "c%FF.tif", "e%1B%5B2J%0A.tif"}) {
    body += std::string("<Contents><Key>") + key + "</Key><Size>3</Size></Contents>";
  }
  body += "<IsTruncated>false</IsTruncated><EncodingType>url</EncodingType></ListBucketResult>";
  server.set_rules(nlohmann::json::array({{{"path", "/bkt"}, {"status", 200}, {"body", body}}}));
  const std::vector<std::string> store = {
      "s3://bkt", "-o", "endpoint=" + server.base_url(), "-o", "allow_http=true", "-o", "skip_signature=true"};
  auto args = store;
  args.emplace_back("--json");
  auto json_run = ls(args);
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  auto lines = split_lines(json_run.out);
  ASSERT_EQ(lines.size(), 3U) << json_run.out;
  EXPECT_EQ(nlohmann::json::parse(lines[0])["key"], "c\xC3\xBF.tif");  // cÿ.tif, valid UTF-8
  EXPECT_EQ(nlohmann::json::parse(lines[1])["key"], "c%FF.tif");       // the byte 0xFF
  EXPECT_EQ(nlohmann::json::parse(lines[1])["url"], "s3://bkt/c%FF.tif");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["key"], "e\x1b[2J\n.tif");  // JSON escapes the controls
  EXPECT_EQ(json_run.out.find("\xEF\xBF\xBD"), std::string::npos) << "no U+FFFD replacement";

  auto text_run = ls(store);
  ASSERT_EQ(text_run.exit_code, 0) << text_run.err;
  auto text = split_lines(text_run.out);
  ASSERT_EQ(text.size(), 4U) << text_run.out;
  EXPECT_TRUE(text[0].ends_with("  c\xC3\xBF.tif")) << text[0];
  EXPECT_TRUE(text[1].ends_with("  c%FF.tif")) << text[1];
  EXPECT_TRUE(text[2].ends_with("  e%1B[2J%0A.tif")) << text[2];  // nothing raw reaches the terminal
  EXPECT_EQ(text_run.out.find('\x1b'), std::string::npos);
}

TEST(LsCommand, ZeroTimeoutsAreRefused) {
  for (const char* option : {"timeout=0", "connect_timeout=0s", "aws_timeout=0ms"}) {
    auto r = ls({"s3://bucket", "-o", "skip_signature=true", "-o", option});
    EXPECT_EQ(r.exit_code, 2) << option << ": " << r.err;
    EXPECT_NE(r.err.find(std::string(option).substr(0, std::string(option).find('='))), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("a positive duration"), std::string::npos) << r.err;
  }
  // A positive duration is accepted.
  tdump::testing::HostileServer server;
  server.set_rules(
      nlohmann::json::array({{{"path", "/bucket"},
                              {"status", 200},
                              {"body", "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"}}}));
  auto fine = ls({"s3://bucket", "-o", "skip_signature=true", "-o", "endpoint=" + server.base_url(), "-o",
                  "allow_http=true", "-o", "timeout=20s", "-o", "connect_timeout=500ms"});
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_EQ(fine.out, "total: 0 objects, 0 bytes\n");
}

TEST(LsCommand, BadConfigurationsExitWithClearMessages) {
  auto typo = ls({"s3://bucket", "-o", "skip_signatur=true"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("did you mean 'skip_signature'"), std::string::npos) << typo.err;
  auto not_kv = ls({"s3://bucket", "-o", "novalue"});
  EXPECT_EQ(not_kv.exit_code, 2);
  auto no_creds = ls({"s3://bucket"});
  EXPECT_EQ(no_creds.exit_code, 3);
  EXPECT_NE(no_creds.err.find("skip_signature"), std::string::npos) << no_creds.err;
  auto refused_http = ls({"s3://bucket", "-o", "endpoint=http://127.0.0.1:1", "-o", "skip_signature=true"});
  EXPECT_EQ(refused_http.exit_code, 2);
  EXPECT_NE(refused_http.err.find("allow_http"), std::string::npos) << refused_http.err;
  auto missing = ls({"/no/such/folder"});
  EXPECT_EQ(missing.exit_code, 3);
}

}  // namespace
}  // namespace tdump::store
