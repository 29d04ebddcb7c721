// `tiff-dumper inspect URL`: the same header read through S3 (moto), HTTP (nginx) and a file://
// URL gives the same document as the local file (whose parsing the tiff oracle tests check
// against libtiff and GDAL), with the same number of reads.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixtures.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::cli {
namespace {
namespace fs = std::filesystem;

nlohmann::json inspect(const std::vector<std::string>& args, int expected_exit = 0) {
  std::vector<std::string> argv{TDUMP_CLI_PATH, "inspect"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = tdump::testing::run_command(argv);
  EXPECT_EQ(r.exit_code, expected_exit) << r.err << r.out;
  auto doc = nlohmann::json::parse(r.out.empty() ? "{}" : r.out.substr(0, r.out.find('\n')));
  doc.erase("path");
  return doc;
}

TEST(InspectUrl, StoresGiveTheLocalFilesDocument) {
  auto fixtures = tdump::tiff::testing::valid_fixtures();
  ASSERT_FALSE(fixtures.empty());
  tdump::testing::MotoServer moto;
  moto.create_bucket("bkt");
  tdump::testing::NginxServer nginx;
  // A COG (one read) and a file that needs more reads at a small prefetch.
  std::vector<fs::path> files;
  for (const char* name : {"cog_deflate_rgb.tif", "strips_planar_rgb.tif"}) {
    for (const auto& f : fixtures) {
      if (f.filename() == name) files.push_back(f);
    }
  }
  ASSERT_EQ(files.size(), 2U);
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto bytes = tdump::testing::read_file(files[i]);
    moto.put_object("bkt", "dir/with space/x" + std::to_string(i) + ".tif", bytes);
    tdump::testing::write_file(nginx.root() / "d" / "with space" / ("x" + std::to_string(i) + ".tif"), bytes);
  }
  moto.make_public("bkt");  // after the uploads: the policy allows anonymous GETs only
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& file = files[i];
    const std::string name = "x" + std::to_string(i) + ".tif";
    SCOPED_TRACE(file.filename().string());

    for (const char* prefetch : {"16KiB", "256"}) {
      auto local = inspect({"--prefetch", prefetch, file.string()});
      ASSERT_TRUE(local.contains("ifds")) << local.dump();
      auto via_s3 = inspect({"--prefetch", prefetch, "-o", "endpoint=" + moto.endpoint(), "-o", "allow_http=true", "-o",
                             "skip_signature=true", "s3://bkt/dir/with space/" + name});
      EXPECT_EQ(via_s3, local);
      auto via_http = inspect({"--prefetch", prefetch, nginx.base_url() + "/d/with%20space/" + name});
      EXPECT_EQ(via_http, local);
      auto via_file = inspect({"--prefetch", prefetch, "file://" + file.string()});
      EXPECT_EQ(via_file, local);
    }
  }
}

TEST(InspectUrl, MissingObjectIsAnErrorDocument) {
  tdump::testing::NginxServer nginx;
  auto doc = inspect({nginx.base_url() + "/nope.tif"}, 1);
  EXPECT_EQ(doc["error"], "not found") << doc.dump();
  auto bad = inspect({"s3://"}, 1);
  EXPECT_TRUE(bad.contains("error")) << bad.dump();
}

TEST(InspectUrl, APasswordInAUrlIsNeverPrinted) {
  tdump::testing::NginxServer nginx;
  const std::string port = std::to_string(nginx.port());
  for (const std::string& url : {"http://user:PASSWORD-123@127.0.0.1:" + port + "/x.tif",
                                 "https://user:PASSWORD-123@127.0.0.1:" + port + "/dir/x.tif",
                                 "http://user:PASSWORD-123@127.0.0.1:" + port + "/"}) {
    std::vector<std::string> argv{TDUMP_CLI_PATH, "inspect", url, "-o", "endpoint=http://k:PASSWORD-123@127.0.0.1:1"};
    auto r = tdump::testing::run_command(argv);
    EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
    EXPECT_EQ(r.out.find("PASSWORD-123"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("PASSWORD-123"), std::string::npos) << r.err;
    auto doc = nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
    EXPECT_EQ(doc["path"].get<std::string>().find("user"), std::string::npos) << doc.dump();
    EXPECT_NE(doc["path"].get<std::string>().find("127.0.0.1:" + port), std::string::npos) << doc.dump();
  }
  // An option error quotes the bad value, here a URL with a password.
  auto bad = tdump::testing::run_command(
      {TDUMP_CLI_PATH, "inspect", "s3://bkt/x.tif", "-o", "timeout=http://k:PASSWORD-123@127.0.0.1:1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("timeout"), std::string::npos) << bad.out;
  EXPECT_EQ(bad.out.find("PASSWORD-123"), std::string::npos) << bad.out;
  EXPECT_EQ(bad.err.find("PASSWORD-123"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace tdump::cli
