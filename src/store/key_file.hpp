#pragma once
// Keys from a file instead of a listing (`--keys FILE`, "-" for stdin): one key or full URL
// of the store a line, the way users feed back an S3 Inventory or a previous run's errors.
#include <memory>
#include <string>

#include "store/object_store.hpp"

namespace tdump::store {

// Opens `path` ("-" = standard input) as a ListStream of `page_size` keys a page. Blank lines
// and lines starting with '#' are skipped; spaces, tabs and '\r' around a line are trimmed.
// A line with "://" must be a URL of `store` (see ObjectStore::key_for_url) and becomes its
// key; any other URL is an error naming the line. Sizes are unknown (no listing was made).
// `store` must outlive the stream.
//
// The file may be a pipe or a FIFO fed by another process: opening never waits for a writer,
// and a read that waits for more lines also watches `cancel_fd` (an eventfd or pipe that
// becomes readable to cancel; -1 for none): once it is readable, next() fails with kCancelled
// instead of waiting on.
Result<std::unique_ptr<ListStream>> keys_from_file(const std::string& path, const ObjectStore& store,
                                                   std::size_t page_size = 1000, int cancel_fd = -1);

}  // namespace tdump::store
