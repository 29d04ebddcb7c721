#include "store/http/webdav.hpp"

#include <charconv>

#include "store/common/time_format.hpp"
#include "store/common/url.hpp"
#include "store/common/xml.hpp"

namespace tdump::store {
namespace {

// The decoded path of an href: "/a%20b/" or "http://host/a%20b/" -> "/a b/".
std::string href_path(std::string_view href) {
  if (auto scheme = href.find("://"); scheme != std::string_view::npos) {
    auto slash = href.find('/', scheme + 3);
    href = slash == std::string_view::npos ? std::string_view("/") : href.substr(slash);
  }
  if (auto q = href.find_first_of("?#"); q != std::string_view::npos) href = href.substr(0, q);
  return percent_decode(href);
}

bool ok_status(std::string_view status_line) {
  // "HTTP/1.1 200 OK"
  auto space = status_line.find(' ');
  return space != std::string_view::npos && status_line.substr(space + 1, 3) == "200";
}

}  // namespace

std::string_view propfind_body() {
  return R"(<?xml version="1.0" encoding="utf-8"?>)"
         R"(<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/>)"
         R"(<D:getlastmodified/><D:getetag/></D:prop></D:propfind>)";
}

Result<std::vector<TreeEntry>> parse_multistatus(std::string_view body, std::string_view dir_path) {
  pugi::xml_document doc;
  auto parsed = parse_xml(doc, body, "WebDAV PROPFIND response");
  if (!parsed) return std::move(parsed).error();
  auto multistatus = child(doc, "multistatus");
  if (!multistatus) return make_error(ErrorCode::kParse, "WebDAV PROPFIND response has no <multistatus>");
  std::vector<TreeEntry> entries;
  for (auto response = multistatus.first_child(); response; response = response.next_sibling()) {
    if (local_name(response) != "response") continue;
    std::string path = href_path(child_text(response, "href"));
    if (path.size() <= dir_path.size() || std::string_view(path).substr(0, dir_path.size()) != dir_path) continue;
    std::string_view rest = std::string_view(path).substr(dir_path.size());
    bool is_dir = false;
    if (rest.back() == '/') {
      is_dir = true;
      rest.remove_suffix(1);
    }
    if (rest.empty() || rest.find('/') != std::string_view::npos) continue;  // not a direct child
    TreeEntry entry;
    entry.name = std::string(rest);
    for (auto propstat = response.first_child(); propstat; propstat = propstat.next_sibling()) {
      if (local_name(propstat) != "propstat") continue;
      std::string_view status = child_text(propstat, "status");
      if (!status.empty() && !ok_status(status)) continue;
      auto prop = child(propstat, "prop");
      if (child(child(prop, "resourcetype"), "collection")) is_dir = true;
      std::string_view length = child_text(prop, "getcontentlength");
      std::uint64_t value = 0;
      if (!length.empty() && std::from_chars(length.data(), length.data() + length.size(), value).ec == std::errc{}) {
        entry.meta.size = value;
      }
      if (auto modified = parse_rfc1123_us(child_text(prop, "getlastmodified"))) entry.meta.last_modified_us = modified;
      std::string_view etag = child_text(prop, "getetag");
      if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
      if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
      if (!etag.empty()) entry.meta.etag = std::string(etag);
    }
    entry.is_dir = is_dir;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace tdump::store
