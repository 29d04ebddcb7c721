#include "report/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

namespace tdump::report {
namespace {

#include "report/land_outline.inc"

constexpr std::size_t kShownCategories = 20;  // rows per breakdown table; the rest is summed
constexpr std::size_t kShownErrorKinds = 50;  // rows of the error table; the rest is summed

std::string human_bytes(double bytes) {
  static constexpr std::array<const char*, 7> kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < kUnits.size()) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} {}", bytes, kUnits[unit]) : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "–";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d3557;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:2px 0;font-size:13px;opacity:.85;word-break:break-all}
main{padding:18px 28px;display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:18px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:14px 18px}
section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 10px;color:#1d3557}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 130px;background:#eef2f8;border-radius:6px;padding:10px 12px}
.card .v{font-size:24px;font-weight:600}
.card .l{font-size:12px;color:#4a5568;text-transform:uppercase;letter-spacing:.04em}
.card.bad .v{color:#c0392b}
.card.good .v{color:#2e7d32}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{padding:3px 6px;text-align:left;vertical-align:top}
th{color:#4a5568;font-weight:600;border-bottom:1px solid #dde1e7}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.bar{width:45%}
.bar div{background:#457b9d;height:12px;border-radius:2px;min-width:1px}
.notes{background:#fff4e5;border-left:4px solid #f0a202;padding:8px 12px;font-size:13px}
code{font-size:12px;word-break:break-all;background:#f0f1f4;padding:0 3px;border-radius:3px}
.muted{color:#6b7280;font-size:12px}
svg text{font-family:inherit}
)";

void open_section(std::string& out, std::string_view title, bool wide = false, std::string_view id = {}) {
  out += fmt::format("<section{}{}><h2>{}</h2>\n", wide ? " class=\"wide\"" : "",
                     id.empty() ? std::string() : fmt::format(" id=\"{}\"", id), html_escape(title));
}

void card(std::string& out, std::string_view stat, std::string_view label, std::string_view value,
          std::string_view cls = {}, std::string_view raw = {}) {
  out += fmt::format(
      "<div class=\"card {}\"><div class=\"v\" data-stat=\"{}\"{}>{}</div><div class=\"l\">{}</div></div>\n", cls, stat,
      raw.empty() ? std::string() : fmt::format(" data-value=\"{}\"", raw), value, html_escape(label));
}

// A breakdown as a table of bars, largest first; past kShownCategories rows the rest is one row.
void breakdown(std::string& out, std::string_view name, std::string_view title, const Counts& counts,
               std::uint64_t whole) {
  open_section(out, title);
  if (counts.empty()) {
    out += "<p class=\"muted\">none</p></section>\n";
    return;
  }
  std::vector<std::pair<std::string, std::uint64_t>> rows(counts.begin(), counts.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const std::uint64_t top = rows.front().second;
  out += "<table><tr><th></th><th class=\"n\">files</th><th class=\"n\">share</th><th></th></tr>\n";
  std::uint64_t rest = 0;
  std::size_t rest_keys = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& [key, n] = rows[i];
    if (i >= kShownCategories) {
      rest += n;
      ++rest_keys;
      continue;
    }
    const double width = top == 0 ? 0 : 100.0 * static_cast<double>(n) / static_cast<double>(top);
    out += fmt::format(
        "<tr data-breakdown=\"{0}\" data-key=\"{1}\" data-count=\"{2}\"><td>{1}</td><td class=\"n\">{3}</td>"
        "<td class=\"n\">{4}</td><td class=\"bar\"><div style=\"width:{5:.1f}%\"></div></td></tr>\n",
        name, html_escape(key), n, with_commas(n), percent(n, whole), width);
  }
  if (rest_keys > 0) {
    out += fmt::format(
        "<tr data-breakdown-rest=\"{}\" data-count=\"{}\"><td>{} more</td><td class=\"n\">{}</td>"
        "<td class=\"n\">{}</td><td></td></tr>\n",
        name, rest, rest_keys, with_commas(rest), percent(rest, whole));
  }
  out += "</table></section>\n";
}

// A bar chart of non-empty buckets [first, last] of a histogram, labelled by `label(bucket)`.
template <std::size_t N, typename Label>
void histogram(std::string& out, std::string_view id, const std::array<std::uint64_t, N>& values, Label&& label) {
  std::size_t first = N, last = 0;
  for (std::size_t i = 0; i < N; ++i) {
    if (values[i] == 0) continue;
    first = std::min(first, i);
    last = std::max(last, i);
  }
  if (first == N) {
    out += "<p class=\"muted\">no values</p>\n";
    return;
  }
  const std::uint64_t top = *std::max_element(values.begin(), values.end());
  const std::size_t bars = last - first + 1;
  const double width = 350, height = 130, left = 40, base = 145;
  // At most 48 units a bar, so one or two buckets do not fill the chart.
  const double step = std::min(width / static_cast<double>(bars), 48.0);
  out += fmt::format("<svg viewBox=\"0 0 400 {}\" width=\"100%\" role=\"img\" data-histogram=\"{}\">\n", base + 55, id);
  for (std::size_t i = first; i <= last; ++i) {
    const double h = height * static_cast<double>(values[i]) / static_cast<double>(top);
    const double x = left + step * static_cast<double>(i - first);
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#457b9d\" data-bucket=\"{}\" "
        "data-count=\"{}\"><title>{}: {}</title></rect>\n",
        x + 1, base - h, std::max(step - 2, 1.0), h, i, values[i], html_escape(label(i)), with_commas(values[i]));
    if (values[i] > 0 && bars <= 24) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\n",
                         x + step / 2, base - h - 3, with_commas(values[i]));
    }
    const std::size_t every = bars <= 12 ? 1 : (bars + 11) / 12;
    if ((i - first) % every == 0) {
      out += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-35 {:.1f} "
          "{:.1f})\">"
          "{}</text>\n",
          x + step / 2, base + 12, x + step / 2, base + 12, html_escape(label(i)));
    }
  }
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/></svg>\n", left, base,
                     left + width, base);
}

std::string resolution_label(std::size_t bucket, std::string_view unit) {
  const double low = std::ldexp(1.0, static_cast<int>(bucket) + kResolutionMinLog2);
  return fmt::format("{:.3g}–{:.3g} {}", low, low * 2, unit);
}

// The coverage grid is drawn in kColourClasses classes by log count, one SVG path per class, so
// the page stays small whatever the grid holds (every one of the 16,200 cells costs ~16 bytes).
constexpr int kColourClasses = 6;

// Class of a cell of `n` files when the fullest holds `top`: 0 (few) .. kColourClasses - 1.
int colour_class(std::uint64_t n, std::uint64_t top) {
  if (top <= 1 || n >= top) return kColourClasses - 1;
  if (n <= 1) return 0;
  const double t = std::log(static_cast<double>(n)) / std::log(static_cast<double>(top));
  return std::clamp(static_cast<int>(t * kColourClasses), 0, kColourClasses - 1);
}

// From #fdae61 (few) to #b2182b (many).
std::string class_colour(int c) {
  const double k = 0.25 + 0.75 * static_cast<double>(c) / (kColourClasses - 1);
  const auto mix = [k](int a, int b) { return static_cast<int>(std::lround(a + (b - a) * k)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(0xfd, 0xb2), mix(0xae, 0x18), mix(0x61, 0x2b));
}

void world_map(std::string& out, const Aggregates& a) {
  out +=
      "<svg viewBox=\"0 0 360 180\" width=\"100%\" role=\"img\" data-map=\"coverage\" "
      "style=\"background:#dbe9f4;border-radius:4px\">\n";
  out += "<g stroke=\"#b9cde0\" stroke-width=\"0.3\">";
  for (int lon = 30; lon < 360; lon += 30) out += fmt::format("<line x1=\"{0}\" y1=\"0\" x2=\"{0}\" y2=\"180\"/>", lon);
  for (int lat = 30; lat < 180; lat += 30) out += fmt::format("<line x1=\"0\" y1=\"{0}\" x2=\"360\" y2=\"{0}\"/>", lat);
  out += "</g>\n";
  out += fmt::format(
      "<path d=\"{}\" fill=\"#f2efe6\" stroke=\"#9aa5b1\" stroke-width=\"0.25\" fill-rule=\"evenodd\"/>\n", kLandPath);
  std::uint64_t top = 0;
  for (const auto& [cell, n] : a.grid()) top = std::max(top, n);
  std::array<std::string, kColourClasses> paths;
  std::array<std::uint64_t, kColourClasses> cells{}, files{}, low{}, high{};
  for (const auto& [cell, n] : a.grid()) {
    const int c = colour_class(n, top);
    const auto col = cell % kGridColumns;
    const auto row = cell / kGridColumns;
    fmt::format_to(std::back_inserter(paths[c]), "M{} {}h{}v{}h-{}z", col * kGridDegrees, row * kGridDegrees,
                   kGridDegrees, kGridDegrees, kGridDegrees);
    low[c] = cells[c] == 0 ? n : std::min(low[c], n);
    high[c] = std::max(high[c], n);
    ++cells[c];
    files[c] += n;
  }
  out += "<g stroke=\"#7f1d1d\" stroke-width=\"0.15\" fill-opacity=\"0.9\">\n";
  for (int c = 0; c < kColourClasses; ++c) {
    if (cells[c] == 0) continue;
    out += fmt::format(
        "<path fill=\"{}\" data-cells=\"{}\" data-count=\"{}\" d=\"{}\"><title>{} to {} files a cell</title></path>\n",
        class_colour(c), cells[c], files[c], paths[c], with_commas(low[c]), with_commas(high[c]));
  }
  out += "</g></svg>\n";
  std::uint64_t mapped = 0;
  for (const auto& [cell, n] : a.grid()) mapped += n;
  out += fmt::format(
      "<p class=\"muted\">Each file counts once, in the {0}°×{0}° cell of the centre of its WGS 84 bbox "
      "(<span data-stat=\"mapped\" data-value=\"{4}\">{1}</span> files on the map, <span "
      "data-stat=\"no_footprint\" data-value=\"{5}\">{2}</span> "
      "without a footprint; darker = more files, log scale, most in one cell: {3}). Land: Natural Earth 1:110m "
      "(public domain).</p>\n",
      kGridDegrees, with_commas(mapped), with_commas(a.no_footprint()), with_commas(top), mapped, a.no_footprint());
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_html(const Aggregates& a, const PageContext& context) {
  std::string out;
  out.reserve(std::size_t{256} * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No script, and nothing from anywhere else: the page works offline and cannot phone home.
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "img-src data:\">\n";
  out += fmt::format("<title>tiff-dumper report: {}</title>\n<style>{}</style></head><body>\n",
                     html_escape(context.location), kStyle);
  out += "<header><h1>tiff-dumper report</h1>\n";
  out += fmt::format("<p>Output: <span data-context=\"location\">{}</span></p>\n", html_escape(context.location));
  for (const auto& store : context.stores) out += fmt::format("<p>Store: {}</p>\n", html_escape(store));
  out += fmt::format("<p>{} manifest{} read{}; generated {}</p></header>\n<main>\n", context.manifests,
                     context.manifests == 1 ? "" : "s",
                     context.shard_count > 1 ? fmt::format(" ({} shards in the run)", context.shard_count) : "",
                     html_escape(context.generated));

  if (!context.notes.empty()) {
    out += "<section class=\"wide notes\" id=\"notes\">";
    for (const auto& note : context.notes) out += fmt::format("<div>{}</div>", html_escape(note));
    out += "</section>\n";
  }

  // Totals.
  open_section(out, "Totals", true, "totals");
  out += "<div class=\"cards\">\n";
  card(out, "listed", "listed", with_commas(a.listed()), "", std::to_string(a.listed()));
  card(out, "written", "rows written", with_commas(a.written()), "good", std::to_string(a.written()));
  card(out, "failed", "error rows", with_commas(a.failed()), a.failed() > 0 ? "bad" : "", std::to_string(a.failed()));
  const auto valid = a.cog().contains("valid") ? a.cog().at("valid") : 0;
  card(out, "cog_valid", "valid COGs",
       fmt::format("{} <small>({})</small>", with_commas(valid), percent(valid, a.written())), "",
       std::to_string(valid));
  card(out, "size_sum", "bytes in the files written", html_escape(human_bytes(static_cast<double>(a.size_sum()))), "",
       std::to_string(a.size_sum()));
  if (a.resumed_past() > 0) {
    card(out, "resumed_past", "rows from earlier attempts (not in these statistics)", with_commas(a.resumed_past()), "",
         std::to_string(a.resumed_past()));
  }
  out += "</div></section>\n";

  open_section(out, "Where the files are", true, "map");
  world_map(out, a);
  out += "</section>\n";

  const std::uint64_t rows = a.written();
  breakdown(out, "crs", "CRS", a.crs(), rows);
  breakdown(out, "cog", "COG validity", a.cog(), rows);
  breakdown(out, "cog_errors", "Why files are not COGs (rule of GDAL's validator)", a.cog_errors(), rows);
  breakdown(out, "compression", "Compression", a.compression(), rows);
  breakdown(out, "dtype", "Pixel type", a.dtype(), rows);
  breakdown(out, "block", "Block size", a.block(), rows);
  breakdown(out, "overviews", "Overviews (reduced-resolution IFDs)", a.overviews(), rows);

  open_section(out, "File size", false, "sizes");
  histogram(out, "size", a.size_histogram(), [](std::size_t b) {
    if (b == 0) return std::string("0 B");
    return "≥ " + human_bytes(std::ldexp(1.0, static_cast<int>(b) - 1));
  });
  out += "</section>\n";
  open_section(out, "Pixel size, geographic CRSs (degrees)", false, "resolution-deg");
  histogram(out, "resolution_deg", a.resolution_degrees(), [](std::size_t b) { return resolution_label(b, "°"); });
  out += "</section>\n";
  open_section(out, "Pixel size, projected CRSs (CRS units, mostly metres)", false, "resolution-proj");
  histogram(out, "resolution_proj", a.resolution_projected(), [](std::size_t b) { return resolution_label(b, "u"); });
  out += "</section>\n";

  open_section(out, "Errors by stage and kind", true, "errors");
  if (a.errors().empty()) {
    out += "<p class=\"muted\">none</p>";
  } else {
    std::vector<std::pair<std::string, ErrorEntry>> errors(a.errors().begin(), a.errors().end());
    std::stable_sort(errors.begin(), errors.end(),
                     [](const auto& x, const auto& y) { return x.second.count > y.second.count; });
    out += "<table><tr><th>stage / kind</th><th class=\"n\">rows</th><th>examples</th></tr>\n";
    std::uint64_t rest = 0;
    std::size_t shown = 0;
    for (const auto& [key, entry] : errors) {
      if (shown++ >= kShownErrorKinds) {
        rest += entry.count;
        continue;
      }
      std::string examples;
      for (const auto& e : entry.examples) examples += fmt::format("<code data-example>{}</code> ", html_escape(e));
      out += fmt::format(
          "<tr data-error=\"{0}\" data-count=\"{1}\"><td>{0}</td><td class=\"n\">{2}</td><td>{3}</td></tr>\n",
          html_escape(key), entry.count, with_commas(entry.count), examples);
    }
    if (shown > kShownErrorKinds) {
      out += fmt::format("<tr data-error-rest=\"{}\"><td>{} more kinds</td><td class=\"n\">{}</td><td></td></tr>\n",
                         rest, shown - kShownErrorKinds, with_commas(rest));
    }
    out += "</table>";
  }
  out += "</section>\n</main></body></html>\n";
  return out;
}

}  // namespace tdump::report
