#pragma once
// WebDAV listing (RFC 4918 PROPFIND, Depth: 1): the request body and the reading of a
// 207 multistatus answer into the entries of one directory.
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/common/tree_list.hpp"

namespace tdump::store {

// The PROPFIND body asking for the properties a listing needs.
std::string_view propfind_body();

// Entries of the directory whose decoded URL path is `dir_path` ("/data/sub/"). Each response
// href (a path or a full URL, percent-encoded) is decoded; the directory itself and hrefs
// outside it are skipped; collections become directories.
Result<std::vector<TreeEntry>> parse_multistatus(std::string_view body, std::string_view dir_path);

}  // namespace tdump::store
