// libFuzzer target: a manifest's "aggregates" is read from an OUT_DIR anyone may have written
// (src/report). Arbitrary bytes -> JSON -> Aggregates::from_json -> merge -> render_html: nothing
// may crash, from_json must accept only what to_json gives back unchanged, and the page must stay
// small (the JSON is bounded, so is the page).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "report/aggregates.hpp"
#include "report/html.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  auto a = tdump::report::Aggregates::from_json(json);
  if (!a) return 0;
  // What was accepted round-trips exactly.
  auto back = tdump::report::Aggregates::from_json(nlohmann::json::parse(a->to_json().dump()));
  if (!back || !(*back == *a)) std::abort();
  tdump::report::Aggregates merged = *a;
  merged.merge(*back);
  if (merged.written() < a->written()) std::abort();  // saturates, never wraps
  const std::string html = tdump::report::render_html(merged, {});
  if (html.size() > std::size_t{8} << 20) std::abort();
  return 0;
}
