#pragma once
// Compact JSON text of tag and GeoKey values, for the `other_tags` / `other_geokeys` map columns
// and for `tiff-dumper inspect`. Appends to a caller-owned string (no other allocation).
//
//   integers          -> JSON integers
//   RATIONAL/SRATIONAL -> numerator / denominator as a JSON number
//   FLOAT/DOUBLE      -> shortest round-trip JSON number; NaN and infinities -> null
//   one value         -> a scalar; several -> an array; count 0 -> []
//   ASCII             -> a JSON string without trailing NULs; several NUL-separated strings ->
//                        an array of strings; bytes that are not UTF-8 -> \u00XX (Latin-1)
//   UNDEFINED         -> a JSON string holding the bytes in base64 (RFC 4648, padded)
//   not loaded (strip/tile arrays) -> null
#include <string>
#include <string_view>

#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::schema {

void append_value_json(std::string& out, const tiff::Entry& e, tiff::ByteOrder order);
void append_geokey_json(std::string& out, const tiff::GeoKeySet& keys, const tiff::GeoKey& key);

// A JSON string literal (quotes included) of UTF-8 text.
void append_json_string(std::string& out, std::string_view text);
void append_base64(std::string& out, std::span<const std::uint8_t> bytes);

}  // namespace tdump::schema
