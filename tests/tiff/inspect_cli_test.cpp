// `tiff-dumper inspect` run as a child process over fixtures and broken files: one JSON object
// per line per file, error objects for broken files, exit codes, the --prefetch option.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "fixtures.hpp"
#include "process.hpp"
#include "tool_outputs.hpp"

namespace tdump::tiff::testing {
namespace {

using tdump::testing::run_command;

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> docs;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) docs.push_back(nlohmann::json::parse(line));
  return docs;
}

std::string valid(const std::string& name) {
  return (generated_fixtures_dir() / "valid" / name).string();
}
std::string broken(const std::string& name) {
  return (broken_fixtures_dir() / name).string();
}

const nlohmann::json* find_tag(const nlohmann::json& ifd, int id) {
  for (const auto& tag : ifd["tags"]) {
    if (tag["id"] == id) return &tag;
  }
  return nullptr;
}

TEST(InspectCli, PrintsOneObjectPerFileAndKeepsGoingAfterErrors) {
  const std::vector<std::string> paths = {valid("cog_mask_rgb.tif"), broken("ifd_offset_past_eof.tif"),
                                          valid("multipage.tif"), "/nonexistent/file.tif"};
  auto result = run_command({TDUMP_CLI_PATH, "inspect", paths[0], paths[1], paths[2], paths[3]});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  auto docs = json_lines(result.out);
  ASSERT_EQ(docs.size(), 4U);
  for (std::size_t i = 0; i < docs.size(); ++i) EXPECT_EQ(docs[i]["path"], paths[i]);

  // A COG: one read; IFDs as tiffinfo lists them; sizes as gdalinfo reports them.
  const auto& cog = docs[0];
  EXPECT_EQ(cog["reads"], 1);
  EXPECT_EQ(cog["byte_order"], "II");
  EXPECT_EQ(cog["bigtiff"], false);
  EXPECT_EQ(cog["ifd_count"], run_tiffinfo(paths[0]).size());
  const auto g = run_gdalinfo(paths[0]);
  const auto* width = find_tag(cog["ifds"][0], 256);
  ASSERT_NE(width, nullptr);
  EXPECT_EQ((*width)["name"], "image_width");
  EXPECT_EQ((*width)["value"], g["size"][0]);
  const auto* tile_offsets = find_tag(cog["ifds"][0], 324);
  ASSERT_NE(tile_offsets, nullptr);
  EXPECT_TRUE((*tile_offsets)["value"].is_null());
  EXPECT_TRUE((*tile_offsets)["offset"].is_number());
  // GeoKeys by name: as many as listgeo lists.
  EXPECT_EQ(cog["geokeys"].size() + cog["other_geokeys"].size(), run_listgeo(paths[0]).keys.size());
  // The derived geo columns: EPSG code and geotransform as gdalinfo gives them, the footprint as
  // GeoJSON, the pixel type's numpy name.
  EXPECT_EQ(cog["crs_epsg"], g["stac"]["proj:epsg"]);
  EXPECT_EQ(cog["crs_projjson"]["type"], "ProjectedCRS");
  ASSERT_EQ(cog["geotransform"].size(), 6U);
  for (int k = 0; k < 6; ++k)
    EXPECT_DOUBLE_EQ(cog["geotransform"][k].get<double>(), g["geoTransform"][k].get<double>());
  EXPECT_EQ(cog["geometry"]["type"], "Polygon");
  EXPECT_LE(cog["bbox"]["xmin"].get<double>(), cog["bbox"]["xmax"].get<double>());
  EXPECT_EQ(cog["dtype"], "uint8");

  EXPECT_EQ(docs[1]["error"], "offset_past_eof");
  EXPECT_FALSE(docs[1]["message"].get<std::string>().empty());
  EXPECT_EQ(docs[2]["ifd_count"], run_tiffinfo(paths[2]).size());
  EXPECT_TRUE(docs[2]["geotransform"].is_null());  // libtiff pages: no georeferencing
  EXPECT_TRUE(docs[2]["geometry"].is_null());
  EXPECT_GT(docs[2]["reads"].get<int>(), 1);  // pages lie past the prefetch
  EXPECT_EQ(docs[3]["error"], "not found");
}

TEST(InspectCli, ExitCodeZeroWhenEveryFileParses) {
  auto result = run_command({TDUMP_CLI_PATH, "inspect", valid("strips_rgb.tif"), valid("cog_bigtiff_f32.tif")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto docs = json_lines(result.out);
  ASSERT_EQ(docs.size(), 2U);
  EXPECT_EQ(docs[1]["bigtiff"], true);
}

TEST(InspectCli, EveryBrokenFileGetsItsVerdict) {
  std::vector<std::string> argv = {TDUMP_CLI_PATH, "inspect"};
  const auto expected = broken_fixtures();
  for (const auto& [file, kind] : expected) argv.push_back(broken(file));
  auto result = run_command(argv);
  EXPECT_EQ(result.exit_code, 1);
  auto docs = json_lines(result.out);
  ASSERT_EQ(docs.size(), expected.size());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const auto& [file, verdict] = expected[i];
    if (is_error_verdict(verdict)) {
      EXPECT_EQ(docs[i]["error"], verdict) << file;
      continue;
    }
    ASSERT_FALSE(docs[i].contains("error")) << file << ": " << docs[i].dump();
    std::string got = "warnings:";
    for (const auto& w : docs[i]["warnings"]) {
      if (got.back() != ':') got += ',';
      got += w["kind"].get<std::string>();
      EXPECT_FALSE(w["message"].get<std::string>().empty());
    }
    EXPECT_EQ(docs[i]["warnings"].empty() ? std::string("ok") : got, verdict) << file;
  }
}

TEST(InspectCli, ThePrefetchChangesTheReadsNotTheResult) {
  const std::string path = valid("cog_5level_mask.tif");
  auto small = run_command({TDUMP_CLI_PATH, "inspect", "--prefetch", "512", path});
  auto large = run_command({TDUMP_CLI_PATH, "inspect", "--prefetch", "64KiB", path});
  ASSERT_EQ(small.exit_code, 0) << small.err;
  ASSERT_EQ(large.exit_code, 0) << large.err;
  auto a = json_lines(small.out).at(0);
  auto b = json_lines(large.out).at(0);
  EXPECT_GT(a["reads"].get<int>(), 1);
  EXPECT_EQ(b["reads"], 1);
  for (auto* doc : {&a, &b}) {
    doc->erase("reads");
    doc->erase("rounds");
    doc->erase("header_bytes");
  }
  EXPECT_EQ(a, b);
}

TEST(InspectCli, RejectsABadPrefetch) {
  auto result = run_command({TDUMP_CLI_PATH, "inspect", "--prefetch", "lots", valid("strips_rgb.tif")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("prefetch"), std::string::npos);
}

}  // namespace
}  // namespace tdump::tiff::testing
