#include "cli/inspect_json.hpp"

#include <cstring>
#include <string>

#include "schema/value_json.hpp"
#include "tiff/field_type.hpp"
#include "tiff/tags.hpp"

namespace tdump::cli {
namespace {

// Our value renderer's text, as a JSON value (the renderer is the one the pipeline uses).
nlohmann::json parse_value(const std::string& text) {
  return nlohmann::json::parse(text);
}

nlohmann::json entry_to_json(const tiff::Entry& e, tiff::ByteOrder order) {
  nlohmann::json tag = nlohmann::json::object();
  if (auto name = tiff::tag_name(e.tag); !name.empty()) tag["name"] = name;
  tag["id"] = e.tag;
  tag["type"] = tiff::field_type_name(e.type);
  tag["count"] = e.count;
  if (!e.is_inline) tag["offset"] = e.value_offset;
  std::string text;
  schema::append_value_json(text, e, order);
  tag["value"] = parse_value(text);
  return tag;
}

nlohmann::json box_json(const geo::Box& b) {
  return {{"xmin", b.xmin}, {"ymin", b.ymin}, {"xmax", b.xmax}, {"ymax", b.ymax}};
}

// GeoJSON coordinates of our little-endian ISO WKB Polygon / MultiPolygon (src/geo writes them).
nlohmann::json wkb_to_geojson(std::string_view wkb) {
  std::size_t at = 0;
  bool ok = true;
  auto u32 = [&] {
    std::uint32_t v = 0;
    if (at + 4 > wkb.size()) return ok = false, v;
    std::memcpy(&v, wkb.data() + at, 4);
    at += 4;
    return v;
  };
  auto f64 = [&] {
    double v = 0;
    if (at + 8 > wkb.size()) return ok = false, v;
    std::memcpy(&v, wkb.data() + at, 8);
    at += 8;
    return v;
  };
  auto polygon = [&] {
    nlohmann::json rings = nlohmann::json::array();
    ++at;   // byte order
    u32();  // type
    const auto nrings = u32();
    for (std::uint32_t r = 0; ok && r < nrings; ++r) {
      nlohmann::json ring = nlohmann::json::array();
      const auto npoints = u32();
      for (std::uint32_t i = 0; ok && i < npoints; ++i) {
        const double x = f64();
        const double y = f64();
        ring.push_back({x, y});
      }
      rings.push_back(std::move(ring));
    }
    return rings;
  };
  if (wkb.size() < 5) return nullptr;
  std::uint32_t type = 0;
  std::memcpy(&type, wkb.data() + 1, 4);
  nlohmann::json geometry;
  if (type == 3) {
    geometry = {{"type", "Polygon"}, {"coordinates", polygon()}};
  } else if (type == 6) {
    at = 5;
    const auto n = u32();
    nlohmann::json polygons = nlohmann::json::array();
    for (std::uint32_t i = 0; ok && i < n; ++i) polygons.push_back(polygon());
    geometry = {{"type", "MultiPolygon"}, {"coordinates", std::move(polygons)}};
  }
  return ok ? geometry : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json geo_to_json(const geo::GeoFacts& facts) {
  nlohmann::json doc = nlohmann::json::object();
  doc["crs_epsg"] = facts.crs != nullptr && facts.crs->epsg ? nlohmann::json(*facts.crs->epsg) : nullptr;
  doc["crs_projjson"] =
      facts.crs != nullptr ? nlohmann::json::parse(facts.crs->projjson, nullptr, false) : nlohmann::json(nullptr);
  doc["geotransform"] = facts.geotransform ? nlohmann::json(*facts.geotransform) : nlohmann::json(nullptr);
  doc["bounds"] = facts.bounds ? box_json(*facts.bounds) : nlohmann::json(nullptr);
  doc["bbox"] = facts.footprint ? box_json(facts.footprint->bbox) : nlohmann::json(nullptr);
  doc["geometry"] = facts.footprint ? wkb_to_geojson(facts.footprint->wkb) : nlohmann::json(nullptr);
  doc["dtype"] = facts.dtype ? nlohmann::json(std::string(*facts.dtype)) : nlohmann::json(nullptr);
  return doc;
}

nlohmann::json header_to_json(const tiff::TiffHeader& header, const tiff::GeoKeySet& geokeys) {
  nlohmann::json doc = nlohmann::json::object();
  doc["bigtiff"] = header.bigtiff;
  doc["byte_order"] = header.byte_order == tiff::ByteOrder::kLittle ? "II" : "MM";
  doc["header_extent"] = header.header_extent;
  doc["metadata_extent"] = header.metadata_extent;
  doc["ifd_count"] = header.main_ifd_count;
  nlohmann::json ifds = nlohmann::json::array();
  for (std::size_t i = 0; i < header.ifds.size(); ++i) {
    const tiff::Ifd& ifd = header.ifds[i];
    nlohmann::json item = nlohmann::json::object();
    item["index"] = i;
    item["offset"] = ifd.offset;
    item["next"] = ifd.next_offset;
    if (ifd.parent >= 0) item["parent"] = ifd.parent;
    nlohmann::json tags = nlohmann::json::array();
    for (const tiff::Entry& e : header.entries_of(ifd)) tags.push_back(entry_to_json(e, header.byte_order));
    item["tags"] = std::move(tags);
    ifds.push_back(std::move(item));
  }
  doc["ifds"] = std::move(ifds);

  nlohmann::json named = nlohmann::json::object();
  nlohmann::json other = nlohmann::json::object();
  for (const tiff::GeoKey& key : geokeys.keys) {
    std::string text;
    schema::append_geokey_json(text, geokeys, key);
    const tiff::GeoKeyInfo* info = tiff::find_geokey(key.id);
    if (info != nullptr && key.kind != tiff::GeoValueKind::kUnknown) {
      named[std::string(info->name)] = parse_value(text);
    } else {
      other[std::to_string(key.id)] = parse_value(text);
    }
  }
  if (geokeys.present) {
    doc["geokey_directory"] = {
        {"version", geokeys.version}, {"revision", geokeys.revision}, {"minor_revision", geokeys.minor_revision}};
  }
  doc["geokeys"] = std::move(named);
  doc["other_geokeys"] = std::move(other);
  return doc;
}

nlohmann::json session_to_json(const tiff::HeaderSession& session) {
  nlohmann::json doc = nlohmann::json::object();
  nlohmann::json warnings = nlohmann::json::array();
  for (const tiff::TiffWarning& w : session.header().warnings) {
    nlohmann::json item = {{"kind", tiff::to_string(w.kind)}, {"message", tiff::warning_text(w)}};
    if (w.ifd >= 0) item["ifd"] = w.ifd;
    if (w.tag != 0) item["tag"] = w.tag;
    item["blocks_ifd"] = w.blocks_ifd;
    warnings.push_back(std::move(item));
  }
  doc["warnings"] = std::move(warnings);
  const tiff::CogReport& cog = session.cog();
  doc["is_cog"] = cog.is_cog ? nlohmann::json(*cog.is_cog) : nlohmann::json(nullptr);
  auto texts = [&](const std::vector<tiff::CogIssue>& issues) {
    if (!cog.is_cog) return nlohmann::json(nullptr);
    nlohmann::json list = nlohmann::json::array();
    for (const tiff::CogIssue& issue : issues) list.push_back(tiff::cog_text(issue));
    return list;
  };
  doc["cog_errors"] = texts(cog.errors);
  doc["cog_warnings"] = texts(cog.warnings);
  return doc;
}

}  // namespace tdump::cli
