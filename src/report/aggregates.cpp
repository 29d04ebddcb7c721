#include "report/aggregates.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "geo/derive.hpp"
#include "store/common/display_key.hpp"
#include "tiff/cog.hpp"
#include "tiff/header.hpp"
#include "tiff/image_info.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::report {
namespace {

using nlohmann::json;

std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) noexcept {
  return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

// UTF-8-safe cut: at most `max` bytes, never inside a multi-byte sequence.
std::string cut(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  text.resize(end);
  return text;
}

void merge_counts(Aggregates& into, Aggregates::Breakdown breakdown, const Counts& from) {
  for (const auto& [key, n] : from) {
    std::uint64_t* counter = into.counter(breakdown, key);
    *counter = add_sat(*counter, n);
  }
}

template <std::size_t N>
void merge_array(std::array<std::uint64_t, N>& into, const std::array<std::uint64_t, N>& from) {
  for (std::size_t i = 0; i < N; ++i) into[i] = add_sat(into[i], from[i]);
}

std::string_view rule_name(tiff::CogRule rule) {
  using tiff::CogRule;
  switch (rule) {
    case CogRule::kUnreadable:
      return "unreadable";
    case CogRule::kNotTiled:
      return "not_tiled";
    case CogRule::kNoOverviews:
      return "no_overviews";
    case CogRule::kKnownIncompatibleEdition:
      return "known_incompatible_edition";
    case CogRule::kMainIfdOffset:
      return "main_ifd_not_first";
    case CogRule::kFirstOverviewLarger:
      return "first_overview_larger";
    case CogRule::kOverviewLarger:
      return "overview_larger";
    case CogRule::kOverviewNotTiled:
      return "overview_not_tiled";
    case CogRule::kOverviewIfdBeforeMain:
      return "overview_ifd_before_main";
    case CogRule::kOverviewIfdBeforePrevious:
      return "overview_ifd_out_of_order";
    case CogRule::kSmallestOverviewDataBeforeIfd:
      return "smallest_overview_data_before_ifd";
    case CogRule::kImageDataBeforeIfd:
      return "image_data_before_ifd";
    case CogRule::kOverviewDataOrder:
      return "overview_data_out_of_order";
    case CogRule::kMainDataOrder:
      return "main_data_before_overview";
  }
  return "unknown";
}

std::size_t resolution_bucket(double pixel_size) {
  const int e = std::ilogb(pixel_size);  // floor(log2) for a finite positive value
  const int b = std::clamp(e - kResolutionMinLog2, 0, static_cast<int>(kResolutionBuckets) - 1);
  return static_cast<std::size_t>(b);
}

// ---- JSON ----

json counts_json(const Counts& counts) {
  json out = json::object();
  for (const auto& [key, n] : counts) out[key] = n;
  return out;
}

template <std::size_t N>
json array_json(const std::array<std::uint64_t, N>& values) {
  // Sparse: {"bucket": count} for the non-zero buckets.
  json out = json::object();
  for (std::size_t i = 0; i < N; ++i) {
    if (values[i] != 0) out[std::to_string(i)] = values[i];
  }
  return out;
}

Error bad(std::string_view what) {
  return make_error(ErrorCode::kParse, fmt::format("aggregates: {}", what));
}

// A non-negative integer (parsed JSON holds one as unsigned; a json built in memory may hold it
// as a signed integer).
bool is_count(const json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
}

Result<std::uint64_t> get_count(const json& j, std::string_view what) {
  if (!is_count(j)) return bad(fmt::format("{} is not a count", what));
  return j.get<std::uint64_t>();
}

Result<std::uint64_t> get_field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::uint64_t{0};
  return get_count(*it, name);
}

Status read_counts(const json& obj, const char* name, Counts& out) {
  auto it = obj.find(name);
  if (it == obj.end()) return {};
  if (!it->is_object()) return bad(fmt::format("{} is not an object", name));
  if (it->size() > kMaxCategories) return bad(fmt::format("{} has more than {} keys", name, kMaxCategories));
  for (const auto& [key, value] : it->items()) {
    if (key.empty() || key.size() > kMaxLabelBytes || !store::is_valid_utf8(key)) {
      return bad(fmt::format("{} has a key that is empty, too long or not UTF-8", name));
    }
    auto n = get_count(value, name);
    if (!n) return std::move(n).error();
    out[key] = *n;
  }
  return {};
}

// A sparse {"index": count} object into `out` (indices < out.size()).
template <typename Store>
Status read_sparse(const json& obj, const char* name, std::uint64_t limit, Store&& store) {
  auto it = obj.find(name);
  if (it == obj.end()) return {};
  if (!it->is_object()) return bad(fmt::format("{} is not an object", name));
  if (it->size() > limit) return bad(fmt::format("{} has more than {} entries", name, limit));
  for (const auto& [key, value] : it->items()) {
    if (key.empty() || key.size() > 6 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad(fmt::format("{} has an index that is not a small number", name));
    }
    const std::uint64_t index = std::stoull(key);
    if (index >= limit) return bad(fmt::format("{} has an index out of range", name));
    auto n = get_count(value, name);
    if (!n) return std::move(n).error();
    store(index, *n);
  }
  return {};
}

}  // namespace

std::string compression_name(std::uint32_t code) {
  switch (code) {
    case 1:
      return "none";
    case 2:
      return "ccitt rle";
    case 3:
      return "ccitt g3";
    case 4:
      return "ccitt g4";
    case 5:
      return "lzw";
    case 6:
      return "ojpeg";
    case 7:
      return "jpeg";
    case 8:
    case 32946:
      return "deflate";
    case 32773:
      return "packbits";
    case 34676:
      return "sgilog";
    case 34887:
      return "lerc";
    case 34925:
      return "lzma";
    case 50000:
      return "zstd";
    case 50001:
      return "webp";
    case 50002:
      return "jpegxl";
    default:
      return fmt::format("code {}", code);
  }
}

namespace {

// The breakdown labels of a kind, in the order of KindCounters (add()'s text for each).
std::array<std::string, 6> labels_of(const RowKind& k) {
  std::array<std::string, 6> labels;
  labels[0] = k.has_image ? compression_name(k.compression) : std::string("unknown");
  labels[1] = k.dtype.empty() ? std::string("none") : std::string(k.dtype);
  labels[2] = !k.has_image ? std::string("unknown")
              : k.tiled    ? fmt::format("tiles {}x{}", k.tile_width, k.tile_height)
                           : std::string("strips");
  labels[3] = std::to_string(k.overviews);
  switch (k.crs) {
    case RowKind::Crs::kNone:
      labels[4] = "none";
      break;
    case RowKind::Crs::kEpsg:
      labels[4] = fmt::format("EPSG:{}", k.epsg);
      break;
    case RowKind::Crs::kUserDefined:
      labels[4] = "user-defined";
      break;
  }
  labels[5] = !k.is_cog ? "unknown" : (*k.is_cog ? "valid" : "invalid");
  return labels;
}

constexpr std::array<Aggregates::Breakdown, 6> kKindBreakdowns{
    Aggregates::Breakdown::kCompression, Aggregates::Breakdown::kDtype, Aggregates::Breakdown::kBlock,
    Aggregates::Breakdown::kOverviews,   Aggregates::Breakdown::kCrs,   Aggregates::Breakdown::kCog};

std::optional<double> pixel_size_of(const geo::GeoFacts* geo) {
  if (geo == nullptr || !geo->geotransform) return std::nullopt;
  const double px = std::hypot((*geo->geotransform)[1], (*geo->geotransform)[4]);
  if (std::isfinite(px) && px > 0) return px;
  return std::nullopt;
}

bool geo_is_geographic(const geo::GeoFacts* geo) {
  return geo != nullptr && geo->crs != nullptr && geo->crs->geographic;
}

std::optional<std::array<double, 4>> bbox_of(const geo::GeoFacts* geo) {
  if (geo == nullptr || !geo->footprint) return std::nullopt;
  const auto& b = geo->footprint->bbox;
  return std::array<double, 4>{b.xmin, b.ymin, b.xmax, b.ymax};
}

}  // namespace

RowKind kind_of(const tiff::TiffHeader& header, const tiff::CogReport& cog, const geo::GeoFacts* geo) {
  RowKind k;
  if (!header.ifds.empty()) {
    // IFD 0 with the TIFF 6.0 defaults.
    const tiff::ImageInfo info = tiff::image_info(header, 0);
    k.has_image = true;
    k.compression = info.compression;
    k.tiled = info.tiled;
    k.tile_width = info.tile_width;
    k.tile_height = info.tile_height;
    // Overviews: reduced-resolution images of the main chain that are not masks (NewSubfileType
    // bits 0 and 2).
    const auto chain = header.main_chain();
    for (std::size_t i = 1; i < chain.size(); ++i) {
      const tiff::ImageInfo overview = tiff::image_info(header, i);
      if (overview.is_reduced_resolution() && !overview.is_mask()) ++k.overviews;
    }
  }
  if (geo != nullptr) {
    if (geo->dtype) k.dtype = *geo->dtype;
    if (geo->crs != nullptr) {
      k.crs = geo->crs->epsg ? RowKind::Crs::kEpsg : RowKind::Crs::kUserDefined;
      k.epsg = geo->crs->epsg.value_or(0);
    }
  }
  k.is_cog = cog.is_cog;
  return k;
}

FileFacts facts_of(const tiff::TiffHeader& header, const tiff::CogReport& cog, const geo::GeoFacts* geo,
                   std::optional<std::uint64_t> size) {
  const RowKind k = kind_of(header, cog, geo);
  auto labels = labels_of(k);
  FileFacts f;
  f.size = size;
  if (k.has_image) {
    f.compression = std::move(labels[0]);
    f.block = std::move(labels[2]);
  }
  f.overviews = k.overviews;
  f.dtype = std::string(k.dtype);
  f.crs = std::move(labels[4]);
  f.geographic = geo_is_geographic(geo);
  f.pixel_size = pixel_size_of(geo);
  f.bbox = bbox_of(geo);
  f.is_cog = cog.is_cog;
  for (const auto& issue : cog.errors) f.cog_errors.emplace_back(rule_name(issue.rule));
  return f;
}

std::string Aggregates::error_key(std::string_view stage, std::string_view kind) {
  return cut(fmt::format("{}/{}", stage, kind), kMaxLabelBytes);
}

std::optional<std::uint32_t> Aggregates::cell_of(const std::array<double, 4>& bbox) {
  const auto [west, south, east, north] = bbox;
  if (!std::isfinite(west) || !std::isfinite(south) || !std::isfinite(east) || !std::isfinite(north)) {
    return std::nullopt;
  }
  double lon = west <= east ? (west + east) / 2 : (west + east + 360) / 2;
  if (lon >= 180) lon -= 360;
  const double lat = (south + north) / 2;
  const int col = std::clamp(static_cast<int>(std::floor((lon + 180) / kGridDegrees)), 0, kGridColumns - 1);
  const int row = std::clamp(static_cast<int>(std::floor((90 - lat) / kGridDegrees)), 0, kGridRows - 1);
  return static_cast<std::uint32_t>(row * kGridColumns + col);
}

Counts& Aggregates::counts_of(Breakdown breakdown) noexcept {
  switch (breakdown) {
    case Breakdown::kCompression:
      return compression_;
    case Breakdown::kDtype:
      return dtype_;
    case Breakdown::kBlock:
      return block_;
    case Breakdown::kOverviews:
      return overviews_;
    case Breakdown::kCrs:
      return crs_;
    case Breakdown::kCog:
      return cog_;
    case Breakdown::kCogErrors:
      break;
  }
  return cog_errors_;
}

std::uint64_t* Aggregates::counter(Breakdown breakdown, std::string_view key) {
  Counts& counts = counts_of(breakdown);
  auto it = counts.find(key);
  if (it == counts.end()) {
    // Full: the key counts as "other" (which always has a place).
    const bool full = counts.size() + (counts.contains(kOther) ? 0 : 1) >= kMaxCategories;
    const std::string label = full ? std::string(kOther) : cut(std::string(key), kMaxLabelBytes);
    it = counts.try_emplace(label, 0).first;
  }
  return &it->second;
}

std::uint64_t* Aggregates::resolution_counter(std::optional<double> pixel_size, bool geographic) {
  if (!pixel_size || !std::isfinite(*pixel_size) || *pixel_size <= 0) return nullptr;
  auto& histogram = geographic ? res_degrees_ : res_projected_;
  return &histogram[resolution_bucket(*pixel_size)];
}

std::uint64_t* Aggregates::grid_counter(const std::optional<std::array<double, 4>>& bbox) {
  std::optional<std::uint32_t> cell;
  if (bbox) cell = cell_of(*bbox);
  return cell ? &grid_[*cell] : &no_footprint_;
}

void Aggregates::add_size(std::optional<std::uint64_t> size) {
  written_ = add_sat(written_, 1);
  if (size) {
    sizes_[static_cast<std::size_t>(std::bit_width(*size))] += 1;
    size_sum_ = add_sat(size_sum_, *size);
  } else {
    ++unsized_;
  }
}

void Aggregates::add_numbers(std::optional<std::uint64_t> size, std::optional<double> pixel_size, bool geographic,
                             const std::optional<std::array<double, 4>>& bbox) {
  add_size(size);
  if (std::uint64_t* n = resolution_counter(pixel_size, geographic)) *n += 1;
  *grid_counter(bbox) += 1;
}

void Aggregates::add(const FileFacts& f) {
  bump(counter(Breakdown::kCompression, f.compression.empty() ? "unknown" : f.compression));
  bump(counter(Breakdown::kDtype, f.dtype.empty() ? "none" : f.dtype));
  bump(counter(Breakdown::kBlock, f.block.empty() ? "unknown" : f.block));
  bump(counter(Breakdown::kOverviews, std::to_string(f.overviews)));
  bump(counter(Breakdown::kCrs, f.crs.empty() ? "none" : f.crs));
  bump(counter(Breakdown::kCog, !f.is_cog ? "unknown" : (*f.is_cog ? "valid" : "invalid")));
  for (const auto& e : f.cog_errors) bump(counter(Breakdown::kCogErrors, e));
  add_numbers(f.size, f.pixel_size, f.geographic, f.bbox);
}

void Aggregates::add_error(std::string_view key, std::string_view stage, std::string_view kind) {
  failed_ = add_sat(failed_, 1);
  std::string label = error_key(stage, kind);
  auto it = errors_.find(label);
  if (it == errors_.end()) {
    // Full: the last place is kept for "any/other".
    if (errors_.size() + 1 >= kMaxErrorKinds) label = error_key("any", kOther);
    it = errors_.try_emplace(std::move(label)).first;
  }
  it->second.count = add_sat(it->second.count, 1);
  if (it->second.examples.size() < kMaxExamples) {
    it->second.examples.push_back(cut(store::display_key(key), kMaxExampleBytes));
  }
}

void Aggregates::merge(const Aggregates& o) {
  listed_ = add_sat(listed_, o.listed_);
  resumed_past_ = add_sat(resumed_past_, o.resumed_past_);
  written_ = add_sat(written_, o.written_);
  failed_ = add_sat(failed_, o.failed_);
  size_sum_ = add_sat(size_sum_, o.size_sum_);
  unsized_ = add_sat(unsized_, o.unsized_);
  no_footprint_ = add_sat(no_footprint_, o.no_footprint_);
  merge_counts(*this, Breakdown::kCrs, o.crs_);
  merge_counts(*this, Breakdown::kCompression, o.compression_);
  merge_counts(*this, Breakdown::kDtype, o.dtype_);
  merge_counts(*this, Breakdown::kBlock, o.block_);
  merge_counts(*this, Breakdown::kOverviews, o.overviews_);
  merge_counts(*this, Breakdown::kCog, o.cog_);
  merge_counts(*this, Breakdown::kCogErrors, o.cog_errors_);
  for (const auto& [key, entry] : o.errors_) {
    auto it = errors_.find(key);
    if (it == errors_.end()) {
      std::string label = key;
      if (errors_.size() + 1 >= kMaxErrorKinds) label = error_key("any", kOther);
      it = errors_.try_emplace(std::move(label)).first;
    }
    it->second.count = add_sat(it->second.count, entry.count);
    for (const auto& example : entry.examples) {
      if (it->second.examples.size() >= kMaxExamples) break;
      it->second.examples.push_back(example);
    }
  }
  merge_array(sizes_, o.sizes_);
  merge_array(res_degrees_, o.res_degrees_);
  merge_array(res_projected_, o.res_projected_);
  for (const auto& [cell, n] : o.grid_) grid_[cell] = add_sat(grid_[cell], n);
}

json Aggregates::to_json() const {
  json errors = json::object();
  for (const auto& [key, entry] : errors_) errors[key] = {{"count", entry.count}, {"examples", entry.examples}};
  json grid = json::object();
  for (const auto& [cell, n] : grid_) grid[std::to_string(cell)] = n;
  return {
      {"version", 1},
      {"listed", listed_},
      {"resumed_past", resumed_past_},
      {"written", written_},
      {"failed", failed_},
      {"size_sum", size_sum_},
      {"unsized", unsized_},
      {"no_footprint", no_footprint_},
      {"crs", counts_json(crs_)},
      {"compression", counts_json(compression_)},
      {"dtype", counts_json(dtype_)},
      {"block", counts_json(block_)},
      {"overviews", counts_json(overviews_)},
      {"cog", counts_json(cog_)},
      {"cog_errors", counts_json(cog_errors_)},
      {"errors", errors},
      {"size_log2", array_json(sizes_)},
      {"resolution_deg_log2", array_json(res_degrees_)},
      {"resolution_proj_log2", array_json(res_projected_)},
      {"grid_degrees", kGridDegrees},
      {"grid", grid},
  };
}

Result<Aggregates> Aggregates::from_json(const json& j) {
  if (!j.is_object()) return bad("not an object");
  if (j.size() > 64) return bad("too many fields");
  Aggregates a;
  if (auto it = j.find("version"); it == j.end() || !is_count(*it) || it->get<std::uint64_t>() != 1) {
    return bad("unknown version");
  }
  if (auto it = j.find("grid_degrees"); it != j.end() && (!is_count(*it) || it->get<std::uint64_t>() != kGridDegrees)) {
    return bad("unknown grid");
  }
  struct Field {
    const char* name;
    std::uint64_t* into;
  };
  for (const Field& f : {Field{"listed", &a.listed_}, Field{"resumed_past", &a.resumed_past_},
                         Field{"written", &a.written_}, Field{"failed", &a.failed_}, Field{"size_sum", &a.size_sum_},
                         Field{"unsized", &a.unsized_}, Field{"no_footprint", &a.no_footprint_}}) {
    auto v = get_field(j, f.name);
    if (!v) return std::move(v).error();
    *f.into = *v;
  }
  struct Breakdown {
    const char* name;
    Counts* into;
  };
  for (const Breakdown& b :
       {Breakdown{"crs", &a.crs_}, Breakdown{"compression", &a.compression_}, Breakdown{"dtype", &a.dtype_},
        Breakdown{"block", &a.block_}, Breakdown{"overviews", &a.overviews_}, Breakdown{"cog", &a.cog_},
        Breakdown{"cog_errors", &a.cog_errors_}}) {
    if (auto s = read_counts(j, b.name, *b.into); !s) return std::move(s).error();
  }
  if (auto it = j.find("errors"); it != j.end()) {
    if (!it->is_object()) return bad("errors is not an object");
    if (it->size() > kMaxErrorKinds) return bad("too many error kinds");
    for (const auto& [key, value] : it->items()) {
      if (key.empty() || key.size() > kMaxLabelBytes || !store::is_valid_utf8(key)) return bad("bad error kind");
      if (!value.is_object()) return bad("an error entry is not an object");
      ErrorEntry entry;
      auto n = get_field(value, "count");
      if (!n) return std::move(n).error();
      entry.count = *n;
      if (auto ex = value.find("examples"); ex != value.end()) {
        if (!ex->is_array() || ex->size() > kMaxExamples) return bad("bad examples");
        for (const auto& e : *ex) {
          if (!e.is_string()) return bad("an example is not text");
          const auto& text = e.get_ref<const std::string&>();
          if (text.size() > kMaxExampleBytes || !store::is_valid_utf8(text)) return bad("an example is too long");
          entry.examples.push_back(text);
        }
      }
      a.errors_.emplace(key, std::move(entry));
    }
  }
  auto into_array = [](auto& array) { return [&array](std::uint64_t i, std::uint64_t n) { array[i] = n; }; };
  if (auto s = read_sparse(j, "size_log2", kSizeBuckets, into_array(a.sizes_)); !s) return std::move(s).error();
  if (auto s = read_sparse(j, "resolution_deg_log2", kResolutionBuckets, into_array(a.res_degrees_)); !s) {
    return std::move(s).error();
  }
  if (auto s = read_sparse(j, "resolution_proj_log2", kResolutionBuckets, into_array(a.res_projected_)); !s) {
    return std::move(s).error();
  }
  constexpr std::uint64_t kCells = static_cast<std::uint64_t>(kGridColumns) * kGridRows;
  if (auto s = read_sparse(j, "grid", kCells,
                           [&a](std::uint64_t i, std::uint64_t n) { a.grid_[static_cast<std::uint32_t>(i)] = n; });
      !s) {
    return std::move(s).error();
  }
  return a;
}

std::size_t SharedAggregates::KindHash::operator()(const RowKind& k) const noexcept {
  std::uint64_t h = 0;
  auto mix = [&](std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  };
  mix((std::uint64_t{k.has_image} << 0U) | (std::uint64_t{k.tiled} << 1U) |
      (std::uint64_t{k.is_cog.has_value()} << 2U) | (std::uint64_t{k.is_cog.value_or(false)} << 3U) |
      (static_cast<std::uint64_t>(k.crs) << 4U) | (std::uint64_t{k.compression} << 32U));
  mix(k.tile_width);
  mix(k.tile_height);
  mix((std::uint64_t{k.overviews} << 32U) | static_cast<std::uint32_t>(k.epsg));
  // The dtype by its size and first bytes (numpy names are short; equal texts hash alike).
  std::uint64_t head = 0;
  if (!k.dtype.empty()) std::memcpy(&head, k.dtype.data(), std::min<std::size_t>(k.dtype.size(), sizeof head));
  mix(head);
  mix(k.dtype.size());
  return static_cast<std::size_t>(h);
}

void SharedAggregates::add_data(const tiff::TiffHeader& header, const tiff::CogReport& cog, const geo::GeoFacts* geo,
                                std::optional<std::uint64_t> size) {
  // Outside the lock: the row's facts as small values.
  const RowKind kind = kind_of(header, cog, geo);
  // A footprint from the deriver's cache (non-zero id) stands for one grid: its pixel size and
  // cell are those of the first row on it.
  const std::uint64_t grid_id = geo != nullptr && geo->footprint ? geo->footprint->id : 0;
  std::lock_guard lock(mutex_);
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) {
    // A new kind: its labels once, and the counters they count in (in add()'s order, so that
    // a full breakdown sends the same keys to "other").
    if (kinds_.size() >= kMaxKinds) {
      kinds_.clear();
      dtypes_.clear();
    }
    const auto labels = labels_of(kind);
    KindCounters counters{};
    for (std::size_t i = 0; i < counters.size(); ++i) counters[i] = value_.counter(kKindBreakdowns[i], labels[i]);
    // The cached key keeps its dtype text in dtypes_, not wherever the caller's view points.
    RowKind key = kind;
    key.dtype = *dtypes_.emplace(kind.dtype).first;
    it = kinds_.emplace(key, counters).first;
  }
  for (std::uint64_t* n : it->second) Aggregates::bump(n);
  static_assert(static_cast<std::size_t>(tiff::CogRule::kMainDataOrder) + 1 == kCogRules);
  for (const auto& issue : cog.errors) {
    const auto rule = static_cast<std::size_t>(issue.rule);
    std::uint64_t* n = rule < rule_counters_.size() ? rule_counters_[rule] : nullptr;
    if (n == nullptr) {
      n = value_.counter(Aggregates::Breakdown::kCogErrors, rule_name(issue.rule));
      if (rule < rule_counters_.size()) rule_counters_[rule] = n;
    }
    Aggregates::bump(n);
  }
  value_.add_size(size);
  GridCounters uncached;
  GridCounters* grid = grid_id != 0 ? &grids_[(grid_id * 0x9E3779B97F4A7C15ULL) >> (64U - kGridSlotBits)] : &uncached;
  if (grid_id == 0 || grid->id != grid_id) {
    *grid = {grid_id, value_.resolution_counter(pixel_size_of(geo), geo_is_geographic(geo)),
             value_.grid_counter(bbox_of(geo))};
  }
  if (grid->resolution != nullptr) *grid->resolution += 1;
  *grid->cell += 1;
}

void SharedAggregates::add_error(std::string_view key, std::string_view stage, std::string_view kind) {
  std::lock_guard lock(mutex_);
  value_.add_error(key, stage, kind);
}

json SharedAggregates::to_json(std::uint64_t listed, std::uint64_t resumed_past) const {
  std::lock_guard lock(mutex_);
  Aggregates copy = value_;
  copy.set_run_totals(listed, resumed_past);
  return copy.to_json();
}

}  // namespace tdump::report
