#pragma once
// The JSON document `tiff-dumper inspect` prints for one parsed header.
#include <nlohmann/json.hpp>

#include "geo/derive.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"
#include "tiff/session.hpp"

namespace tdump::cli {

// Every IFD with every tag (name when known, id, type, count, value; offset arrays as their
// offset with a null value), and the GeoKeys of IFD 0 by name plus the unnamed ones by id.
nlohmann::json header_to_json(const tiff::TiffHeader& header, const tiff::GeoKeySet& geokeys);

// The verdicts of a finished session: `warnings` (kind, IFD, tag, message: the row's text),
// `is_cog` (null when not decided), `cog_errors` and `cog_warnings` (the row's texts).
nlohmann::json session_to_json(const tiff::HeaderSession& session);
// The derived geo columns of a row (same names), for a person: crs_projjson as a JSON object,
// geometry as a GeoJSON geometry (RFC 7946) instead of WKB. Absent values are null.
nlohmann::json geo_to_json(const geo::GeoFacts& facts);

}  // namespace tdump::cli
