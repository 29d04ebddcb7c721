#include "store/common/xml.hpp"

#include <charconv>

namespace tdump::store {

Result<pugi::xml_document*> parse_xml(pugi::xml_document& doc, std::string_view body, std::string_view what) {
  auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return make_error(ErrorCode::kParse, std::string(what) + " is not valid XML (" + parsed.description() +
                                             " at byte " + std::to_string(parsed.offset) + ")");
  }
  return &doc;
}

std::string_view local_name(const pugi::xml_node& node) {
  std::string_view name = node.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view name) {
  for (auto c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && local_name(c) == name) return c;
  }
  return {};
}

std::string_view child_text(const pugi::xml_node& node, std::string_view name) {
  return child(node, name).text().get();
}

RemoteError parse_xml_error_body(std::string_view body) {
  RemoteError out;
  if (body.empty()) return out;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return out;
  auto error = child(doc, "Error");
  if (!error) return out;
  out.code = std::string(child_text(error, "Code"));
  out.message = std::string(child_text(error, "Message"));
  // Azure's messages carry "RequestId:...\nTime:..." lines: keep the first line.
  if (auto nl = out.message.find('\n'); nl != std::string::npos) out.message.resize(nl);
  std::string_view size = child_text(error, "ActualObjectSize");
  std::uint64_t value = 0;
  if (!size.empty() && std::from_chars(size.data(), size.data() + size.size(), value).ec == std::errc{}) {
    out.object_size = value;
  }
  return out;
}

}  // namespace tdump::store
