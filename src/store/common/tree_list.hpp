#pragma once
// Listing of a directory tree (local folders, WebDAV) as a flat, lexicographically ordered key
// stream: a depth-first walk that sorts each directory's entries by their key spelling
// ("name/" for directories), which yields exactly the byte order of the full keys.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/object_store.hpp"

namespace tdump::store {

struct TreeEntry {
  std::string name;  // one path segment, decoded, without '/'
  bool is_dir = false;
  ObjectMeta meta;  // files: size, last_modified_us, etag (the walker fills `key`)
  // Directories: an identity (e.g. device + inode) to refuse symlink loops; {0,0} = unknown.
  std::pair<std::uint64_t, std::uint64_t> identity{0, 0};
};

// Reads one directory, given as a key prefix: "" (the root) or "a/b/". Blocking.
// kNotFound for a directory that does not exist. An entry with an empty name stands for the
// directory itself (WebDAV lists it): only its identity is used, for loop checks.
using DirReader = std::function<Result<std::vector<TreeEntry>>(const std::string& dir)>;

// The identity of a directory ("" or "a/b/"), {0,0} if unknown: lets a walk that starts below
// the root refuse links back to the directories above it, so a prefix listing is always a
// subset of the full one.
using DirIdentity = std::function<std::pair<std::uint64_t, std::uint64_t>(const std::string& dir)>;

// Every file whose key starts with `prefix`, in pages of `page_size` keys, visiting only the
// directories that can hold such keys. A directory that disappears mid-walk (kNotFound) is
// skipped; a missing root is an error. A directory whose identity is one of the directories
// being walked (a loop: a symlink, a WebDAV binding) and a directory deeper than
// kMaxTreeDepth are skipped with a warning (spdlog): the files seen are kept.
inline constexpr std::size_t kMaxTreeDepth = 512;

std::unique_ptr<ListStream> make_tree_list(DirReader read_dir, std::string prefix, std::size_t page_size,
                                           DirIdentity identity = nullptr);

}  // namespace tdump::store
