#include "cli/inspect_json.hpp"

#include <string>

#include "tiff/field_type.hpp"
#include "tiff/tags.hpp"
#include "tiff/value_json.hpp"

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
  tiff::append_value_json(text, e, order);
  tag["value"] = parse_value(text);
  return tag;
}

}  // namespace

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
    tiff::append_geokey_json(text, geokeys, key);
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
