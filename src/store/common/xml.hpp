#pragma once
// XML helpers over pugixml for S3 / Azure listings, WebDAV multistatus and error bodies.
#include <pugixml.hpp>

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/common/http_response.hpp"

namespace tdump::store {

// Parses `body`; the error names `what` ("S3 listing") and pugixml's reason.
Result<pugi::xml_document*> parse_xml(pugi::xml_document& doc, std::string_view body, std::string_view what);

// Text of the first child element called `name` (namespace prefixes ignored), "" if absent.
std::string_view child_text(const pugi::xml_node& node, std::string_view name);
// First child element with that local name (namespace prefixes ignored).
pugi::xml_node child(const pugi::xml_node& node, std::string_view name);
// Local name of an element ("D:href" -> "href").
std::string_view local_name(const pugi::xml_node& node);

// <Error><Code>..</Code><Message>..</Message><ActualObjectSize>..</ActualObjectSize></Error>
// as S3 and Azure send it; an empty RemoteError when the body is not such XML.
RemoteError parse_xml_error_body(std::string_view body);

}  // namespace tdump::store
