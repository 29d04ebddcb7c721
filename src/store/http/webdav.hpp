#pragma once
// WebDAV listing (RFC 4918 PROPFIND, Depth: 1): the request body and the reading of a
// 207 multistatus answer into the entries of one directory.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "store/common/tree_list.hpp"

namespace tdump::store {

// The PROPFIND body asking for the properties a listing needs (and DAV:resource-id, RFC 5842,
// which names a collection reachable by several paths, so a loop can be recognised).
std::string_view propfind_body();

struct Multistatus {
  // The directory's members: files, and collections to walk into (TreeEntry::identity from
  // their DAV:resource-id when the server sends one).
  std::vector<TreeEntry> entries;
  // The directory's own DAV:resource-id as an identity; {0,0} when not sent.
  std::pair<std::uint64_t, std::uint64_t> self_identity{0, 0};
  // Decoded paths of collections the server listed as members although they are the directory
  // itself (a second time) or a directory above it: links back into the walk, skipped.
  std::vector<std::string> back_links;
};

// The members of the directory whose decoded URL path is `dir_path` ("/data/sub/"). Each
// response href (an absolute path, a full URL, or a path relative to the directory;
// percent-encoded) is decoded and its dot segments removed (RFC 3986 5.2.4, so "./", "%2e/"
// and "a/../" are what they say). The directory itself, directories above it, hrefs
// elsewhere and deeper descendants are not members.
Result<Multistatus> parse_multistatus(std::string_view body, std::string_view dir_path);

}  // namespace tdump::store
