#pragma once
// The report page: one self-contained HTML document (inline CSS and SVG, no script, nothing
// fetched) drawn from merged Aggregates. Every number a test checks carries a data- attribute:
//   data-stat="listed|written|failed|..."                  the totals
//   data-breakdown="crs|compression|..." data-key data-count  one row of a breakdown
//   data-error="stage/kind" data-count                      one error kind
//   data-cells="n" data-count                               one colour class of the coverage grid
#include <string>
#include <string_view>
#include <vector>

#include "report/aggregates.hpp"

namespace tdump::report {

struct PageContext {
  std::string location;             // OUT_DIR as given (no credentials)
  std::vector<std::string> stores;  // the runs' input stores
  std::vector<std::string> runs;    // run fingerprints
  std::uint64_t manifests = 0;      // manifests read
  std::uint64_t shard_count = 0;    // shards the run was split in (0: unknown)
  std::vector<std::string> notes;   // what the reader should know (missing shards, ...)
  std::string generated;            // UTC time of the report
};

// `text` with & < > " ' as character references (for element content and quoted attributes).
[[nodiscard]] std::string html_escape(std::string_view text);

[[nodiscard]] std::string render_html(const Aggregates& aggregates, const PageContext& context);

}  // namespace tdump::report
