#include "store/http/webdav.hpp"

#include <charconv>
#include <cstring>

#include "store/common/crypto.hpp"
#include "store/common/time_format.hpp"
#include "store/common/url.hpp"
#include "store/common/xml.hpp"

namespace tdump::store {
namespace {

// RFC 3986 section 5.2.4, on a path that starts with '/'.
std::string remove_dot_segments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.starts_with("/./")) {
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../") || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      const auto slash = output.rfind('/');
      output.resize(slash == std::string::npos ? 0 : slash);
    } else {
      const auto next = input.find('/', 1);
      output.append(input.substr(0, next));
      input = next == std::string_view::npos ? std::string_view{} : input.substr(next);
    }
  }
  return output.empty() ? std::string("/") : output;
}

// The decoded, normalised path of an href: "/a%20b/", "http://host/a%20b/" and, in directory
// "/", "a%20b/" all give "/a b/"; "/d/./", "/d/%2e/" and "/d/x/../" give "/d/".
std::string href_path(std::string_view href, std::string_view dir_path) {
  while (!href.empty() && (href.front() == ' ' || href.front() == '\n' || href.front() == '\t')) href.remove_prefix(1);
  while (!href.empty() && (href.back() == ' ' || href.back() == '\n' || href.back() == '\t')) href.remove_suffix(1);
  if (auto scheme = href.find("://"); scheme != std::string_view::npos) {
    auto slash = href.find('/', scheme + 3);
    href = slash == std::string_view::npos ? std::string_view("/") : href.substr(slash);
  }
  if (auto q = href.find_first_of("?#"); q != std::string_view::npos) href = href.substr(0, q);
  std::string path = percent_decode(href);
  if (path.empty() || path.front() != '/') path.insert(0, dir_path);  // relative to the directory
  return remove_dot_segments(path);
}

bool ok_status(std::string_view status_line) {
  // "HTTP/1.1 200 OK"
  auto space = status_line.find(' ');
  return space != std::string_view::npos && status_line.substr(space + 1, 3) == "200";
}

std::pair<std::uint64_t, std::uint64_t> identity_of(std::string_view resource_id) {
  const auto digest = sha256(resource_id);
  std::pair<std::uint64_t, std::uint64_t> out;
  std::memcpy(&out.first, digest.data(), sizeof out.first);
  std::memcpy(&out.second, digest.data() + sizeof out.first, sizeof out.second);
  if (out == std::pair<std::uint64_t, std::uint64_t>{0, 0}) out.first = 1;  // {0,0} means unknown
  return out;
}

}  // namespace

std::string_view propfind_body() {
  return R"(<?xml version="1.0" encoding="utf-8"?>)"
         R"(<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/>)"
         R"(<D:getlastmodified/><D:getetag/><D:resource-id/></D:prop></D:propfind>)";
}

Result<Multistatus> parse_multistatus(std::string_view body, std::string_view dir_path) {
  pugi::xml_document doc;
  auto parsed = parse_xml(doc, body, "WebDAV PROPFIND response");
  if (!parsed) return std::move(parsed).error();
  auto multistatus = child(doc, "multistatus");
  if (!multistatus) return make_error(ErrorCode::kParse, "WebDAV PROPFIND response has no <multistatus>");
  std::string dir(dir_path);
  if (dir.empty() || dir.back() != '/') dir.push_back('/');
  Multistatus out;
  bool seen_self = false;
  for (auto response = multistatus.first_child(); response; response = response.next_sibling()) {
    if (local_name(response) != "response") continue;
    const std::string path = href_path(child_text(response, "href"), dir);
    TreeEntry entry;
    bool collection = !path.empty() && path.back() == '/';
    std::string_view resource_id;
    for (auto propstat = response.first_child(); propstat; propstat = propstat.next_sibling()) {
      if (local_name(propstat) != "propstat") continue;
      std::string_view status = child_text(propstat, "status");
      if (!status.empty() && !ok_status(status)) continue;
      auto prop = child(propstat, "prop");
      if (child(child(prop, "resourcetype"), "collection")) collection = true;
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
      if (auto id = child_text(child(prop, "resource-id"), "href"); !id.empty()) resource_id = id;
    }
    std::string as_dir = path;
    if (as_dir.back() != '/') as_dir.push_back('/');
    if (as_dir == dir) {  // the directory itself: expected once, a link back to itself after that
      if (!resource_id.empty()) out.self_identity = identity_of(resource_id);
      if (seen_self && collection) out.back_links.push_back(path);
      seen_self = true;
      continue;
    }
    if (dir.starts_with(as_dir)) {  // a directory above this one
      if (collection) out.back_links.push_back(path);
      continue;
    }
    if (!path.starts_with(dir)) continue;  // elsewhere
    std::string_view rest = std::string_view(path).substr(dir.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.empty() || rest.find('/') != std::string_view::npos) continue;  // not a direct member
    entry.name = std::string(rest);
    entry.is_dir = collection;
    if (collection && !resource_id.empty()) entry.identity = identity_of(resource_id);
    out.entries.push_back(std::move(entry));
  }
  return out;
}

}  // namespace tdump::store
