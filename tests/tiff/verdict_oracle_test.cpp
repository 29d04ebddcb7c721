// Our verdicts against independent tools:
// - every broken file (tests/fixtures/broken/EXPECTED): gdalinfo opens it or not as expected, and
//   the tool names the damage as expected (libtiff's warning or error on tiffinfo's stderr);
// - every generated fixture: is_cog, cog_errors and cog_warnings against GDAL's
//   validate_cloud_optimized_geotiff.py (--full-check=no, the mode of remote files), message by
//   message through the one-to-one mapping documented in docs/tiff.md;
// - the COG probe's cost: GDAL-made COGs whose header fits the prefetch still cost one request.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "fixtures.hpp"
#include "process.hpp"
#include "test_util.hpp"
#include "tiff/checks.hpp"
#include "tiff/fetcher.hpp"
#include "tool_outputs.hpp"

namespace tdump::tiff::testing {
namespace {

using tdump::testing::run_command;

const char* const kScript = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py";

RangeReader memory_reader(const std::vector<std::uint8_t>& file) {
  return [&file](std::uint64_t offset, std::span<std::uint8_t> buffer) -> Result<std::uint64_t> {
    if (offset >= file.size()) return std::uint64_t{0};
    const std::uint64_t n = std::min<std::uint64_t>(buffer.size(), file.size() - offset);
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(offset), n, buffer.begin());
    return n;
  };
}

TEST(BrokenOracle, GdalAndLibtiffSeeTheSameDamage) {
  const auto fixtures = broken_fixture_details();
  ASSERT_GE(fixtures.size(), 40U);
  for (const BrokenFixture& f : fixtures) {
    SCOPED_TRACE(f.name);
    const auto path = (broken_fixtures_dir() / f.name).string();
    const auto gdal = run_command({"gdalinfo", path});
    EXPECT_EQ(gdal.exit_code == 0, f.gdal_opens) << gdal.err;
    if (!f.tool.empty()) {
      const auto tool = f.tool == "gdalinfo" ? gdal : run_command({f.tool, path});
      EXPECT_NE(tool.err.find(f.message), std::string::npos) << f.tool << " said:\n" << tool.err;
    }
    // What no reader opens is an error row; a data row whose IFD 0 libtiff refuses says so.
    HeaderFetcher fetcher;
    const auto bytes = read_bytes(broken_fixtures_dir() / f.name);
    const bool ok = fetcher.fetch(memory_reader(bytes), bytes.size()).ok();
    EXPECT_EQ(ok, !is_error_verdict(f.verdict));
    if (ok) {
      const auto libtiff = run_command({"tiffinfo", path});
      EXPECT_EQ(ifd_blocked(fetcher.session().header(), 0), libtiff.exit_code != 0 && !f.gdal_opens) << libtiff.err;
    }
  }
}

// One finding of the script, as our rule: (rule, overview index or -1, value, expected); the
// numbers are 0 where the script's message gives none.
struct Finding {
  CogRule rule;
  std::int64_t level = -1;
  std::uint64_t value = 0;
  std::uint64_t expected = 0;
  friend bool operator==(const Finding&, const Finding&) = default;
};

std::ostream& operator<<(std::ostream& out, const Finding& f) {
  return out << "{rule " << static_cast<int>(f.rule) << ", level " << f.level << ", " << f.value << ", " << f.expected
             << "}";
}

// The mapping of docs/tiff.md, "COG validation": the script's message -> our rule.
Finding from_script(const std::string& message) {
  std::smatch m;
  auto n = [&](int i) { return std::stoull(m[i].str()); };
  if (message == "The file is greater than 512xH or Wx512, but is not tiled") return {CogRule::kNotTiled};
  if (message == "The file is greater than 512xH or Wx512, it is recommended to include internal overviews") {
    return {CogRule::kNoOverviews};
  }
  if (message == "KNOWN_INCOMPATIBLE_EDITION=YES is declared in the file") return {CogRule::kKnownIncompatibleEdition};
  if (std::regex_match(message, m, std::regex(R"(The offset of the main IFD should be (\d+)\. It is (\d+) instead)"))) {
    return {CogRule::kMainIfdOffset, -1, n(2), n(1)};
  }
  if (message == "First overview has larger dimension than main band") return {CogRule::kFirstOverviewLarger, 0};
  if (std::regex_match(message, m,
                       std::regex(R"(Overview of index (\d+) has larger dimension than overview of index (\d+))"))) {
    return {CogRule::kOverviewLarger, static_cast<std::int64_t>(n(1))};
  }
  if (std::regex_match(message, m, std::regex(R"(Overview of index (\d+) is not tiled)"))) {
    return {CogRule::kOverviewNotTiled, static_cast<std::int64_t>(n(1))};
  }
  if (std::regex_match(message, m,
                       std::regex(R"(The offset of the IFD for overview of index (\d+) is (\d+), whereas it should be )"
                                  R"(greater than the one of the main image, which is at byte (\d+))"))) {
    return {CogRule::kOverviewIfdBeforeMain, static_cast<std::int64_t>(n(1)), n(2), n(3)};
  }
  if (std::regex_match(message, m,
                       std::regex(R"(The offset of the IFD for overview of index (\d+) is (\d+), whereas it should be )"
                                  R"(greater than the one of index (\d+), which is at byte (\d+))"))) {
    return {CogRule::kOverviewIfdBeforePrevious, static_cast<std::int64_t>(n(1)), n(2), n(4)};
  }
  if (message == "The offset of the first block of the smallest overview should be after its IFD") {
    return {CogRule::kSmallestOverviewDataBeforeIfd};
  }
  if (message == "The offset of the first block of the image should be after its IFD") {
    return {CogRule::kImageDataBeforeIfd};
  }
  if (std::regex_match(message, m,
                       std::regex(R"(The offset of the first block of overview of index (\d+) should be after the one )"
                                  R"(of the overview of index (\d+))"))) {
    return {CogRule::kOverviewDataOrder, static_cast<std::int64_t>(n(1))};
  }
  if (std::regex_match(message, m,
                       std::regex(R"(The offset of the first block of the main resolution image should be after the )"
                                  R"(one of the overview of index (\d+))"))) {
    return {CogRule::kMainDataOrder, static_cast<std::int64_t>(n(1))};
  }
  ADD_FAILURE() << "a script message without a mapping: " << message;
  return {CogRule::kUnreadable};
}

// Ours, with only the numbers the script's message names.
Finding from_ours(const CogIssue& issue) {
  Finding f{issue.rule};
  switch (issue.rule) {
    case CogRule::kMainIfdOffset:
      return {issue.rule, -1, issue.value, issue.expected};
    case CogRule::kOverviewIfdBeforeMain:
    case CogRule::kOverviewIfdBeforePrevious:
      return {issue.rule, issue.level, issue.value, issue.expected};
    case CogRule::kFirstOverviewLarger:
    case CogRule::kOverviewLarger:
    case CogRule::kOverviewNotTiled:
    case CogRule::kOverviewDataOrder:
    case CogRule::kMainDataOrder:
      f.level = issue.level;
      return f;
    default:
      return f;
  }
}

struct ScriptVerdict {
  bool valid = false;
  std::vector<Finding> errors;
  std::vector<Finding> warnings;
};

ScriptVerdict run_script(const std::filesystem::path& file) {
  const auto r = run_command({"/usr/bin/python3", kScript, "--full-check=no", file.string()});
  ScriptVerdict v;
  v.valid = r.exit_code == 0;
  std::istringstream in(r.out);
  std::string line;
  std::vector<Finding>* list = nullptr;
  while (std::getline(in, line)) {
    if (line.starts_with("The following warnings")) list = &v.warnings;
    if (line.starts_with("The following errors")) list = &v.errors;
    if (line.starts_with(" - ") && list != nullptr) list->push_back(from_script(line.substr(3)));
  }
  return v;
}

TEST(CogOracle, EveryFixtureAsTheScriptJudgesIt) {
  std::size_t valid = 0;
  std::size_t invalid = 0;
  std::set<CogRule> rules;
  for (const auto& path : valid_fixtures()) {
    SCOPED_TRACE(path.filename().string());
    const ScriptVerdict script = run_script(path);
    HeaderFetcher fetcher;
    const auto bytes = read_bytes(path);
    ASSERT_TRUE(fetcher.fetch(memory_reader(bytes), bytes.size()).ok()) << fetcher.session().error().message;
    const CogReport& ours = fetcher.session().cog();
    ASSERT_TRUE(ours.is_cog.has_value());
    EXPECT_EQ(*ours.is_cog, script.valid);
    std::vector<Finding> errors;
    std::vector<Finding> warnings;
    for (const CogIssue& issue : ours.errors) errors.push_back(from_ours(issue));
    for (const CogIssue& issue : ours.warnings) warnings.push_back(from_ours(issue));
    EXPECT_EQ(errors, script.errors);
    EXPECT_EQ(warnings, script.warnings);
    for (const Finding& f : script.errors) rules.insert(f.rule);
    for (const Finding& f : script.warnings) rules.insert(f.rule);
    (script.valid ? valid : invalid) += 1;
  }
  EXPECT_GE(valid, 50U);
  EXPECT_GE(invalid, 8U);
  EXPECT_GE(rules.size(), 9U);  // the fixtures exercise most of the script's rules
}

TEST(CogOracle, GdalCogsCostOneRequestWhenTheirHeaderFitsThePrefetch) {
  std::size_t cogs = 0;
  for (const auto& path : valid_fixtures()) {
    const auto g = run_gdalinfo(path);
    const auto structure = g["metadata"].value("IMAGE_STRUCTURE", nlohmann::json::object());
    if (structure.value("LAYOUT", "") != "COG") continue;
    SCOPED_TRACE(path.filename().string());
    ++cogs;
    const auto bytes = read_bytes(path);
    // The script's "size of all IFD headers": where the first block of any level starts.
    const auto r = run_command({"/usr/bin/python3", kScript, "--full-check=no", path.string()});
    std::smatch m;
    std::uint64_t header_size = bytes.size();
    if (std::regex_search(r.out, m, std::regex(R"(size of all IFD headers is (\d+) bytes)"))) {
      header_size = std::stoull(m[1].str());
    }
    for (std::uint64_t prefetch : {16384ULL, 65536ULL}) {
      SessionLimits limits;
      limits.prefetch = prefetch;
      HeaderFetcher fetcher(limits);
      ASSERT_TRUE(fetcher.fetch(memory_reader(bytes), bytes.size()).ok());
      const auto stats = fetcher.stats();
      ASSERT_TRUE(fetcher.session().cog().is_cog.has_value());
      if (header_size <= prefetch) {
        EXPECT_EQ(stats.reads, 1U) << prefetch;
        EXPECT_EQ(stats.bytes, std::min<std::uint64_t>(prefetch, bytes.size())) << prefetch;
      } else {
        // The first blocks' offsets past the prefetch: one more request for just those values.
        EXPECT_EQ(stats.reads, 2U) << prefetch;
        EXPECT_LE(stats.bytes, prefetch + (header_size - prefetch)) << prefetch;
      }
    }
  }
  EXPECT_GE(cogs, 12U);
}

}  // namespace
}  // namespace tdump::tiff::testing
