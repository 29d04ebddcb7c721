#pragma once
// Runs the independent oracles (libtiff's tiffdump and tiffinfo, libgeotiff's listgeo, GDAL's
// gdalinfo) and parses their text into plain structs. Nothing here uses the code under test.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tdump::tiff::testing {

// ---- tiffdump: every entry of every IFD of the main chain, raw ----
struct DumpEntry {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;
  std::uint64_t count = 0;
  std::string values;  // the text between < and >
};
struct DumpIfd {
  std::uint64_t offset = 0;
  std::uint64_t next = 0;
  std::vector<DumpEntry> entries;
  [[nodiscard]] const DumpEntry* find(std::uint16_t tag) const;
};
struct Tiffdump {
  bool big_endian = false;
  bool bigtiff = false;
  std::vector<DumpIfd> ifds;
};
Tiffdump run_tiffdump(const std::filesystem::path& file);
// tiffdump's escapes undone (\0, \n, \t, \r, \b, \v, \ooo): the bytes of an ASCII value.
std::string unescape_tiffdump_ascii(const std::string& text);
// Whitespace-separated tokens of a values list.
std::vector<std::string> split_values(const std::string& text);

// ---- tiffinfo: libtiff's interpretation, per directory ----
struct InfoIfd {
  std::optional<std::uint64_t> subfile_type;
  std::optional<std::uint64_t> width, height, tile_width, tile_height, bits, samples, rows_per_strip;
  std::optional<std::string> sample_format, compression, photometric, planar;
};
std::vector<InfoIfd> run_tiffinfo(const std::filesystem::path& file);

// ---- listgeo: GeoKeys with names, types, counts, values; the model tags ----
struct ListgeoKey {
  std::string name;
  std::string type;  // Short, Double, Ascii
  std::uint64_t count = 0;
  std::string value;  // as printed (Ascii without its quotes)
};
struct Listgeo {
  bool has_geotiff = false;
  std::vector<ListgeoKey> keys;
  std::vector<double> tiepoints, pixel_scale, transformation;
};
Listgeo run_listgeo(const std::filesystem::path& file);

// ---- gdalinfo -json ----
nlohmann::json run_gdalinfo(const std::filesystem::path& file);

}  // namespace tdump::tiff::testing
