#pragma once
// Tag ids (TIFF 6.0, GeoTIFF 1.1, GDAL) and their snake_case names for display. Which tags have
// a column of their own in the output is the schema's business (src/schema/columns.hpp).
#include <cstdint>
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

// snake_case name of any tag we know (a tag with a column: its column name), or "" when unknown.
[[nodiscard]] std::string_view tag_name(std::uint16_t id) noexcept;

// Tags that hold the GeoKey directory and its parameters (reported through geokeys instead).
[[nodiscard]] constexpr bool is_geokey_storage_tag(std::uint16_t id) noexcept {
  return id == tag::kGeoKeyDirectory || id == tag::kGeoDoubleParams || id == tag::kGeoAsciiParams;
}

}  // namespace tdump::tiff
