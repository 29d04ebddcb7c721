#pragma once
// Tag ids and names. `column_tags()` is the pipeline's table of IFD-0 columns (BRIEF §3, the
// original tool's column names); `tag_name()` also names the other TIFF 6.0 / GeoTIFF / GDAL
// tags for display.
#include <cstdint>
#include <span>
#include <string_view>

namespace tdump::tiff {

namespace tag {
inline constexpr std::uint16_t kNewSubfileType = 254;
inline constexpr std::uint16_t kImageWidth = 256;
inline constexpr std::uint16_t kImageLength = 257;
inline constexpr std::uint16_t kBitsPerSample = 258;
inline constexpr std::uint16_t kCompression = 259;
inline constexpr std::uint16_t kPhotometric = 262;
inline constexpr std::uint16_t kDocumentName = 269;
inline constexpr std::uint16_t kImageDescription = 270;
inline constexpr std::uint16_t kStripOffsets = 273;
inline constexpr std::uint16_t kOrientation = 274;
inline constexpr std::uint16_t kSamplesPerPixel = 277;
inline constexpr std::uint16_t kRowsPerStrip = 278;
inline constexpr std::uint16_t kStripByteCounts = 279;
inline constexpr std::uint16_t kMinSampleValue = 280;
inline constexpr std::uint16_t kMaxSampleValue = 281;
inline constexpr std::uint16_t kXResolution = 282;
inline constexpr std::uint16_t kYResolution = 283;
inline constexpr std::uint16_t kPlanarConfiguration = 284;
inline constexpr std::uint16_t kResolutionUnit = 296;
inline constexpr std::uint16_t kSoftware = 305;
inline constexpr std::uint16_t kDateTime = 306;
inline constexpr std::uint16_t kArtist = 315;
inline constexpr std::uint16_t kHostComputer = 316;
inline constexpr std::uint16_t kPredictor = 317;
inline constexpr std::uint16_t kColorMap = 320;
inline constexpr std::uint16_t kTileWidth = 322;
inline constexpr std::uint16_t kTileLength = 323;
inline constexpr std::uint16_t kTileOffsets = 324;
inline constexpr std::uint16_t kTileByteCounts = 325;
inline constexpr std::uint16_t kSubIfds = 330;
inline constexpr std::uint16_t kExtraSamples = 338;
inline constexpr std::uint16_t kSampleFormat = 339;
inline constexpr std::uint16_t kJpegTables = 347;
inline constexpr std::uint16_t kCopyright = 33432;
inline constexpr std::uint16_t kModelPixelScale = 33550;
inline constexpr std::uint16_t kModelTiepoint = 33922;
inline constexpr std::uint16_t kModelTransformation = 34264;
inline constexpr std::uint16_t kGeoKeyDirectory = 34735;
inline constexpr std::uint16_t kGeoDoubleParams = 34736;
inline constexpr std::uint16_t kGeoAsciiParams = 34737;
inline constexpr std::uint16_t kGdalMetadata = 42112;
inline constexpr std::uint16_t kGdalNodata = 42113;
}  // namespace tag

// How a column tag's value is meant to be stored (BRIEF §3 types).
enum class ColumnKind : std::uint8_t {
  kUInt,        // one unsigned integer (SHORT/LONG/LONG8)
  kUIntList,    // one per sample (bits_per_sample, sample_format, extra_samples, min/max sample value)
  kDouble,      // RATIONAL/DOUBLE
  kDoubleList,  // model_pixel_scale, model_tiepoint, model_transformation
  kString,      // ASCII
  kBinary,      // UNDEFINED blob (jpeg_tables)
};

struct ColumnTag {
  std::uint16_t id;
  std::string_view name;
  ColumnKind kind;
};

// The IFD-0 columns, in the order of BRIEF §3.
[[nodiscard]] std::span<const ColumnTag> column_tags() noexcept;
[[nodiscard]] const ColumnTag* find_column_tag(std::uint16_t id) noexcept;

// snake_case name of any tag we know (columns use their column name), or "" when unknown.
[[nodiscard]] std::string_view tag_name(std::uint16_t id) noexcept;

// Tags that hold the GeoKey directory and its parameters (reported through geokeys instead).
[[nodiscard]] constexpr bool is_geokey_storage_tag(std::uint16_t id) noexcept {
  return id == tag::kGeoKeyDirectory || id == tag::kGeoDoubleParams || id == tag::kGeoAsciiParams;
}

// True for the tags of the `other_tags` map: not a column, not the strip/tile arrays, not the
// GeoKey storage (BRIEF §3).
[[nodiscard]] bool is_other_tag(std::uint16_t id) noexcept;

}  // namespace tdump::tiff
