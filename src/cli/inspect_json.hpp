#pragma once
// The JSON document `tiff-dumper inspect` prints for one parsed header.
#include <nlohmann/json.hpp>

#include "tiff/geokeys.hpp"
#include "tiff/header.hpp"

namespace tdump::cli {

// Every IFD with every tag (name when known, id, type, count, value; offset arrays as their
// offset with a null value), and the GeoKeys of IFD 0 by name plus the unnamed ones by id.
nlohmann::json header_to_json(const tiff::TiffHeader& header, const tiff::GeoKeySet& geokeys);

}  // namespace tdump::cli
