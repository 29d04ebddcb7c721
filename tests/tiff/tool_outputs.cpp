#include "tool_outputs.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "process.hpp"

namespace tdump::tiff::testing {
namespace {

std::string run_tool(const std::vector<std::string>& argv) {
  auto result = tdump::testing::run_command(argv);
  if (result.exit_code != 0) ADD_FAILURE() << argv[0] << " failed (" << result.exit_code << "): " << result.err;
  return result.out;
}

std::uint64_t to_u64(const std::string& s) {
  return std::stoull(s, nullptr, 0);
}

}  // namespace

const DumpEntry* DumpIfd::find(std::uint16_t tag) const {
  for (const auto& e : entries) {
    if (e.tag == tag) return &e;
  }
  return nullptr;
}

Tiffdump run_tiffdump(const std::filesystem::path& file) {
  // -m: print every value, not the first 24.
  std::istringstream out(run_tool({"tiffdump", "-m", "100000000", file.string()}));
  static const std::regex magic(R"(^Magic: 0x[0-9a-f]+ <(little|big)-endian> Version: 0x([0-9a-f]+))");
  static const std::regex directory(R"(^Directory \d+: offset (\d+) \(0x[0-9a-f]+\) next (\d+) )");
  // "ImageWidth (256) SHORT (3) 1<300>" or, for tags libtiff does not know, "33550 (0x830e) DOUBLE (12) 3<...>".
  // Only the part before '<' goes through a regex: std::regex recurses per character.
  static const std::regex entry(R"(^(\S+) \((\d+|0x[0-9a-f]+)\) \S+ \((\d+)\) (\d+)$)");
  Tiffdump dump;
  std::string line;
  std::smatch m;
  while (std::getline(out, line)) {
    if (std::regex_search(line, m, magic)) {
      dump.big_endian = m[1] == "big";
      dump.bigtiff = m[2] == "2b";
    } else if (std::regex_search(line, m, directory)) {
      dump.ifds.push_back(DumpIfd{to_u64(m[1]), to_u64(m[2]), {}});
    } else if (const auto open = line.find('<');
               open != std::string::npos && line.back() == '>' && !dump.ifds.empty() &&
               std::regex_match(line.cbegin(), line.cbegin() + static_cast<std::ptrdiff_t>(open), m, entry)) {
      DumpEntry e;
      const std::string first = m[1];
      const bool numeric_name = !first.empty() && std::isdigit(static_cast<unsigned char>(first[0])) != 0;
      e.tag = static_cast<std::uint16_t>(to_u64(numeric_name ? first : std::string(m[2])));
      e.type = static_cast<std::uint16_t>(to_u64(m[3]));
      e.count = to_u64(m[4]);
      e.values = line.substr(open + 1, line.size() - open - 2);
      dump.ifds.back().entries.push_back(std::move(e));
    }
  }
  return dump;
}

std::string unescape_tiffdump_ascii(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char c = text[++i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'b':
        out += '\b';
        break;
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 'v':
        out += '\v';
        break;
      default:
        if (c >= '0' && c <= '7') {
          // "\0" alone is NUL; "\ooo" is an octal byte (tiffdump prints both).
          if (i + 2 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7' && text[i + 2] >= '0' &&
              text[i + 2] <= '7') {
            out += static_cast<char>(std::stoi(text.substr(i, 3), nullptr, 8));
            i += 2;
          } else {
            out += static_cast<char>(c - '0');
          }
        } else {
          out += '\\';
          out += c;
        }
    }
  }
  return out;
}

std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> tokens;
  std::istringstream in(text);
  std::string token;
  while (in >> token) tokens.push_back(token);
  return tokens;
}

std::vector<InfoIfd> run_tiffinfo(const std::filesystem::path& file) {
  std::istringstream out(run_tool({"tiffinfo", file.string()}));
  static const std::regex subfile(R"(Subfile Type: .*\((\d+) = 0x)");
  static const std::regex size(R"(Image Width: (\d+) Image Length: (\d+))");
  static const std::regex tile(R"(Tile Width: (\d+) Tile Length: (\d+))");
  static const std::regex bits(R"(Bits/Sample: (\d+))");
  static const std::regex samples(R"(Samples/Pixel: (\d+))");
  static const std::regex rows(R"(Rows/Strip: (\d+))");
  static const std::regex sample_format(R"(Sample Format: (.+)$)");
  static const std::regex compression(R"(Compression Scheme: (.+)$)");
  static const std::regex photometric(R"(Photometric Interpretation: (.+)$)");
  static const std::regex planar(R"(Planar Configuration: (.+)$)");
  std::vector<InfoIfd> ifds;
  std::string line;
  std::smatch m;
  while (std::getline(out, line)) {
    if (line.rfind("=== TIFF directory", 0) == 0) {
      ifds.emplace_back();
      continue;
    }
    if (ifds.empty() || line.size() > 1000) continue;  // long lines are tag dumps, and std::regex recurses
    InfoIfd& d = ifds.back();
    if (std::regex_search(line, m, subfile)) d.subfile_type = to_u64(m[1]);
    if (std::regex_search(line, m, size)) {
      d.width = to_u64(m[1]);
      d.height = to_u64(m[2]);
    }
    if (std::regex_search(line, m, tile)) {
      d.tile_width = to_u64(m[1]);
      d.tile_height = to_u64(m[2]);
    }
    if (std::regex_search(line, m, bits)) d.bits = to_u64(m[1]);
    if (std::regex_search(line, m, samples)) d.samples = to_u64(m[1]);
    if (std::regex_search(line, m, rows)) d.rows_per_strip = to_u64(m[1]);
    if (std::regex_search(line, m, sample_format)) d.sample_format = m[1];
    if (std::regex_search(line, m, compression)) d.compression = m[1];
    if (std::regex_search(line, m, photometric)) d.photometric = m[1];
    if (std::regex_search(line, m, planar)) d.planar = m[1];
  }
  return ifds;
}

Listgeo run_listgeo(const std::filesystem::path& file) {
  auto result = tdump::testing::run_command({"listgeo", "-no_norm", file.string()});
  Listgeo geo;
  std::istringstream out(result.out);
  static const std::regex key(R"(^\s+(\w+) \((Short|Double|Ascii),(\d+)\): (.*)$)");
  static const std::regex tag(R"(^\s+(ModelTiepointTag|ModelPixelScaleTag|ModelTransformationTag) \((\d+),(\d+)\):)");
  std::string line;
  std::smatch m;
  bool in_keys = false;
  while (std::getline(out, line)) {
    if (line.find("Geotiff_Information:") != std::string::npos) geo.has_geotiff = true;
    if (line.find("Keyed_Information:") != std::string::npos) in_keys = true;
    if (line.find("End_Of_Keys.") != std::string::npos) in_keys = false;
    if (std::regex_search(line, m, tag)) {
      std::vector<double>& into = m[1] == "ModelTiepointTag"     ? geo.tiepoints
                                  : m[1] == "ModelPixelScaleTag" ? geo.pixel_scale
                                                                 : geo.transformation;
      const std::uint64_t rows = to_u64(m[2]);
      for (std::uint64_t r = 0; r < rows && std::getline(out, line); ++r) {
        for (const auto& token : split_values(line)) into.push_back(std::stod(token));
      }
      continue;
    }
    if (in_keys && std::regex_match(line, m, key)) {
      ListgeoKey k{m[1], m[2], to_u64(m[3]), m[4]};
      while (!k.value.empty() && k.value.back() == ' ') k.value.pop_back();
      if (k.type == "Ascii" && k.value.size() >= 2 && k.value.front() == '"' && k.value.back() == '"') {
        k.value = k.value.substr(1, k.value.size() - 2);
      }
      geo.keys.push_back(std::move(k));
    }
  }
  return geo;
}

nlohmann::json run_gdalinfo(const std::filesystem::path& file) {
  auto text = run_tool({"gdalinfo", "-json", "--config", "GDAL_PAM_ENABLED", "NO", file.string()});
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace tdump::tiff::testing
