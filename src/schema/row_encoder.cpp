#include "schema/row_encoder.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <limits>

#include "common/latin1.hpp"
#include "schema/columns.hpp"
#include "schema/inventory_schema.hpp"
#include "schema/value_json.hpp"
#include "store/common/display_key.hpp"
#include "tiff/image_info.hpp"
#include "tiff/tags.hpp"
#include "tiff/values.hpp"

namespace tdump::schema {
namespace {

using tiff::Entry;
using tiff::FieldType;

constexpr auto kInt64Max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

bool fits_int64(const Entry& e, tiff::ByteOrder order, std::size_t i) {
  switch (e.type) {
    case FieldType::kByte:
    case FieldType::kShort:
    case FieldType::kLong:
    case FieldType::kIfd:
    case FieldType::kUndefined:
      return true;  // unsigned, at most 32 bits: every value fits
    default:
      break;
  }
  if (tiff::is_signed_type(e.type)) return tiff::int_at(e, order, i) >= 0;
  return tiff::uint_at(e, order, i) <= kInt64Max;
}

bool is_text(const Entry& e) {
  return e.type == FieldType::kAscii;
}
bool is_number(const Entry& e) {
  return tiff::is_numeric_type(e.type) && e.type != FieldType::kUndefined;
}
bool is_whole_number(const Entry& e) {
  return tiff::is_integer_type(e.type) && e.type != FieldType::kUndefined;
}

// A name for a tag in a warning: "270 (ImageDescription)" or "65000".
std::string tag_label(std::uint16_t id) {
  const std::string_view name = tiff::tag_name(id);
  return name.empty() ? std::to_string(id) : fmt::format("{} ({})", id, name);
}

// True when every byte is below 0x80 (ASCII is UTF-8): most texts in a row are, and this is
// cheaper than the full UTF-8 check.
bool is_ascii(std::string_view text) noexcept {
  const char* p = text.data();
  std::size_t n = text.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    if ((w & 0x8080808080808080ULL) != 0) return false;
  }
  for (; n > 0; --n, ++p) {
    if ((static_cast<unsigned char>(*p) & 0x80U) != 0) return false;
  }
  return true;
}

// At most `max` bytes of `text`, cut at a UTF-8 character boundary when `text` is UTF-8.
std::string_view cut(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// tiff::find_geokey() as a table look-up (a row asks it for each of its GeoKeys): GeoTIFF's ids
// come in blocks of 1024 (1024 GeoTIFF configuration, 2048 geographic, 3072 projected, 4096
// vertical), each using its first few dozen ids.
class GeoKeyTable {
 public:
  GeoKeyTable() {
    const auto known = tiff::known_geokeys();
    for (std::size_t i = 0; i < known.size(); ++i) {
      const int slot = slot_of(known[i].id);
      if (slot < 0 || i + 1 > 0xFF) {
        all_in_table_ = false;
      } else if (index_[static_cast<std::size_t>(slot)] == 0) {
        index_[static_cast<std::size_t>(slot)] = static_cast<std::uint8_t>(i + 1);
      }
    }
  }
  [[nodiscard]] const tiff::GeoKeyInfo* find(std::uint16_t id) const noexcept {
    const int slot = slot_of(id);
    if (slot < 0) return all_in_table_ ? nullptr : tiff::find_geokey(id);
    const std::uint8_t i = index_[static_cast<std::size_t>(slot)];
    return i == 0 ? nullptr : &tiff::known_geokeys()[i - 1U];
  }

 private:
  static constexpr unsigned kBlocks = 4, kPerBlock = 64;
  static constexpr std::size_t kSlots = std::size_t{kBlocks} * kPerBlock;
  static int slot_of(std::uint16_t id) noexcept {
    const unsigned block = id >> 10U;
    const unsigned low = id & 1023U;
    if (block < 1 || block > kBlocks || low >= kPerBlock) return -1;
    return static_cast<int>((block - 1) * kPerBlock + low);
  }
  std::array<std::uint8_t, kSlots> index_{};
  bool all_in_table_ = true;
};
const GeoKeyTable kGeoKeyTable;

}  // namespace

std::string_view to_string(Stage stage) noexcept {
  switch (stage) {
    case Stage::kList:
      return "list";
    case Stage::kFetch:
      return "fetch";
    case Stage::kParse:
      return "parse";
  }
  return "unknown";
}

std::optional<std::string> untrusted_listing_entry(const store::ObjectMeta& meta) {
  if (meta.size && *meta.size > kMaxObjectSize) {
    return fmt::format(
        "the listing gives a size of {} bytes, more than any object can have (the limit is 2^63-1 = {}): the entry is "
        "not trusted and the object was not read",
        *meta.size, kMaxObjectSize);
  }
  return std::nullopt;
}

std::string_view RowEncoder::utf8(std::string_view text) {
  if (is_ascii(text) || store::is_valid_utf8(text)) return text;
  // Not UTF-8: most likely a legacy 8-bit charset; Latin-1 keeps every byte visible.
  text_.clear();
  append_latin1_as_utf8(text_, text);
  return text_;
}

void RowEncoder::omitted_note(std::uint64_t bytes) {
  json_.clear();
  fmt::format_to(std::back_inserter(json_), R"({{"omitted_bytes":{}}})", bytes);
}

void RowEncoder::object_columns(parquet::ColumnBatch& batch, parquet::ColumnRef size_col,
                                parquet::ColumnRef modified_col, parquet::ColumnRef etag_col,
                                const store::ObjectMeta& meta, std::optional<std::uint64_t> size) {
  // The listing (or a Content-Range) is the server's word: what does not fit is NULL, not a
  // failed row.
  if (size) {
    if (*size <= kMaxObjectSize) {
      batch.set_uint(size_col, *size);
    } else {
      warn(fmt::format("size {} is past 2^63-1: size left NULL", *size));
    }
  }
  if (meta.last_modified_us) {
    if (*meta.last_modified_us >= kMinTimestampUs && *meta.last_modified_us <= kMaxTimestampUs) {
      batch.set_int(modified_col, *meta.last_modified_us);
    } else {
      warn(fmt::format("last_modified {} µs since 1970 is outside years 1 to 9999: last_modified left NULL",
                       *meta.last_modified_us));
    }
  }
  if (!meta.etag.empty()) {
    if (meta.etag.size() <= limits_.max_etag_bytes) {
      batch.set_string(etag_col, utf8(meta.etag));
    } else {
      warn(fmt::format("etag of {} bytes is over the {}-byte limit: etag left NULL", meta.etag.size(),
                       limits_.max_etag_bytes));
    }
  }
}

Status RowEncoder::append_data(parquet::ColumnBatch& batch, const store::ObjectMeta& meta, std::string_view url,
                               const tiff::TiffHeader& header, const tiff::GeoKeySet& geokeys,
                               const tiff::CogReport& cog, const FetchFacts& facts, const geo::GeoFacts* geo) {
  const auto& c = data_columns();
  warnings_.clear();
  batch.begin_row();
  // The key and URL as they are when valid UTF-8 (no copy), else shown with %XX in scratch.
  batch.set_string(c.path, store::display_key(meta.key, shown_));
  batch.set_string(c.url, store::display_key(url, shown_url_));
  object_columns(batch, c.size, c.last_modified, c.etag, meta, meta.size ? meta.size : facts.object_size);
  batch.set_bool(c.bigtiff, header.bigtiff);
  batch.set_string(c.byte_order, header.byte_order == tiff::ByteOrder::kLittle ? "II" : "MM");
  batch.set_uint(c.ifd_count, header.main_ifd_count);
  batch.set_uint(c.header_bytes, facts.header_bytes);
  batch.set_uint(c.header_size, header.header_extent);
  batch.set_uint(c.requests, facts.requests);
  if (!header.ifds.empty()) {
    const tiff::Ifd& ifd0 = header.ifds.front();
    misfits_.clear();
    omitted_.clear();
    tag_columns(batch, header, ifd0);
    geokey_columns(batch, geokeys);
    other_tags(batch, header, ifd0);
    ifds(batch, header);
    if (geo != nullptr) geo_columns(batch, *geo);
  }
  warning_columns(batch, header, cog);
  // A value that went out of the hot path's sizes: give the memory back.
  if (json_.capacity() > 4 * limits_.max_value_bytes) std::string().swap(json_);
  if (text_.capacity() > 4 * limits_.max_value_bytes) std::string().swap(text_);
  return batch.end_row();
}

void RowEncoder::add_row_warning(std::string_view text) {
  if (row_warning_count_ == row_warnings_.size()) row_warnings_.emplace_back();
  row_warnings_[row_warning_count_++].assign(text);
}

void RowEncoder::warning_columns(parquet::ColumnBatch& batch, const tiff::TiffHeader& header,
                                 const tiff::CogReport& cog) {
  const auto& c = data_columns();
  batch.begin_list(c.warnings);
  for (const tiff::TiffWarning& w : header.warnings) {
    text_.clear();
    tiff::append_warning_text(text_, w);
    batch.append_string(c.warnings_element, text_);  // our own text: ASCII
  }
  // What the encoder itself left out or NULL (a capped tag value, a listing value that does not fit).
  for (const std::string& text : warnings_) batch.append_string(c.warnings_element, utf8(text));
  for (std::size_t i = 0; i < row_warning_count_; ++i) batch.append_string(c.warnings_element, utf8(row_warnings_[i]));
  row_warning_count_ = 0;
  batch.end_list();
  if (!cog.is_cog) return;
  batch.set_bool(c.is_cog, *cog.is_cog);
  auto issues = [&](parquet::NodeRef list, parquet::ColumnRef element, const std::vector<tiff::CogIssue>& all) {
    batch.begin_list(list);
    for (const tiff::CogIssue& issue : all) {
      json_.clear();
      tiff::append_cog_text(json_, issue);
      batch.append_string(element, json_);
    }
    batch.end_list();
  };
  issues(c.cog_errors, c.cog_errors_element, cog.errors);
  issues(c.cog_warnings, c.cog_warnings_element, cog.warnings);
}

void RowEncoder::geo_columns(parquet::ColumnBatch& batch, const geo::GeoFacts& geo) {
  const auto& c = data_columns();
  auto set_box = [&](const DataColumns::BoxColumns& cols, const geo::Box& b) {
    batch.set_double(cols.xmin, b.xmin);
    batch.set_double(cols.ymin, b.ymin);
    batch.set_double(cols.xmax, b.xmax);
    batch.set_double(cols.ymax, b.ymax);
  };
  if (geo.crs != nullptr) {
    if (geo.crs->epsg) batch.set_int(c.crs_epsg, *geo.crs->epsg);
    // Large and repeated (one per CRS, one per grid): stored once per batch, not per row.
    batch.set_shared_string(c.crs_projjson, geo.crs->projjson, geo.crs->id);
  }
  if (geo.geotransform) {
    batch.begin_list(c.geotransform);
    batch.append_doubles(c.geotransform_value, geo.geotransform->size(),
                         [&](std::size_t k) { return (*geo.geotransform)[k]; });
    batch.end_list();
  }
  if (geo.bounds) set_box(c.bounds, *geo.bounds);
  if (geo.footprint) {
    set_box(c.bbox, geo.footprint->bbox);
    if (geo.footprint->id != 0) {
      batch.set_shared_string(c.geometry, geo.footprint->wkb, geo.footprint->id);
    } else {
      batch.set_bytes(c.geometry, geo.footprint->wkb);
    }
  }
  if (geo.dtype) batch.set_string(c.dtype, *geo.dtype);
}

void RowEncoder::tag_columns(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::Ifd& ifd0) {
  const auto order = header.byte_order;
  const auto tags = column_tags();
  const auto& columns = data_columns().tags;
  // The entry of each column tag in one pass (the first of a tag, as TiffHeader::find), then
  // the columns in their order.
  std::array<const Entry*, kColumnTagCount> entries{};
  for (const Entry& e : header.entries_of(ifd0)) {
    const int i = column_index(e.tag);
    if (i >= 0 && entries[static_cast<std::size_t>(i)] == nullptr) entries[static_cast<std::size_t>(i)] = &e;
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const Entry* e = entries[i];
    if (e == nullptr || !e->loaded || e->count == 0) continue;
    const auto& col = columns[i];
    if ((tags[i].kind == ColumnKind::kString || tags[i].kind == ColumnKind::kBinary) &&
        e->byte_size() > limits_.max_value_bytes) {
      omitted_.emplace_back(e, e->byte_size());
      continue;
    }
    bool fits = true;
    switch (tags[i].kind) {
      case ColumnKind::kUInt:
        fits = is_whole_number(*e) && fits_int64(*e, order, 0);
        if (fits) batch.set_uint(col.value, tiff::uint_at(*e, order, 0));
        // A scalar tag stored with several values keeps the rest in other_tags.
        if (e->count > 1) fits = false;
        break;
      case ColumnKind::kUIntList:
        for (std::size_t k = 0; fits && k < e->count; ++k) fits = is_whole_number(*e) && fits_int64(*e, order, k);
        if (fits) {
          batch.begin_list(col.list);
          batch.append_uints(col.value, e->count, [&](std::size_t k) { return tiff::uint_at(*e, order, k); });
          batch.end_list();
        }
        break;
      case ColumnKind::kDouble:
        fits = is_number(*e);
        if (fits) batch.set_double(col.value, tiff::number_at(*e, order, 0));
        if (e->count > 1) fits = false;
        break;
      case ColumnKind::kDoubleList:
        fits = is_number(*e);
        if (fits) {
          batch.begin_list(col.list);
          batch.append_doubles(col.value, e->count, [&](std::size_t k) { return tiff::number_at(*e, order, k); });
          batch.end_list();
        }
        break;
      case ColumnKind::kString:
        fits = is_text(*e);
        if (fits) {
          const std::string_view text = utf8(tiff::text_of(*e));
          // Latin-1 text can double in size as UTF-8.
          if (text.size() > limits_.max_value_bytes) {
            omitted_.emplace_back(e, text.size());
            continue;
          }
          batch.set_string(col.value, text);
        }
        break;
      case ColumnKind::kBinary: {
        auto bytes = e->bytes();
        batch.set_bytes(col.value, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        break;
      }
    }
    if (!fits) misfits_.push_back(e);
  }
}

void RowEncoder::geokey_columns(parquet::ColumnBatch& batch, const tiff::GeoKeySet& geokeys) {
  const auto& c = data_columns();
  if (!geokeys.present) return;
  batch.begin_struct(c.geokeys);
  const auto known = tiff::known_geokeys();
  others_.clear();
  for (const auto& key : geokeys.keys) {
    const tiff::GeoKeyInfo* info = kGeoKeyTable.find(key.id);
    bool placed = false;
    // ASCII GeoKeys are at most 65,535 bytes (a 16-bit count): always under the value cap.
    if (info != nullptr && key.kind == info->kind) {
      auto column = c.geokey_fields[static_cast<std::size_t>(info - known.data())];
      if (key.kind == tiff::GeoValueKind::kShort && key.size == 1) {
        batch.set_uint(column, geokeys.shorts_of(key)[0]);
        placed = true;
      } else if (key.kind == tiff::GeoValueKind::kDouble && key.size == 1) {
        batch.set_double(column, geokeys.doubles_of(key)[0]);
        placed = true;
      } else if (key.kind == tiff::GeoValueKind::kAscii) {
        batch.set_string(column, utf8(key.text));
        placed = true;
      }
    }
    // Unknown keys, and known keys whose value has another shape than GeoTIFF 1.1 says.
    if (!placed) others_.push_back(&key);
  }
  if (others_.empty()) return;
  batch.begin_map(c.other_geokeys);
  for (const tiff::GeoKey* key : others_) {
    batch.begin_entry();
    batch.set_uint(c.other_geokeys_key, key->id);
    json_.clear();
    append_geokey_json(json_, geokeys, *key);
    if (json_.size() > limits_.max_value_bytes) {
      warn(fmt::format("GeoKey {}: value of {} bytes as JSON is over the {}-byte cap: left out", key->id, json_.size(),
                       limits_.max_value_bytes));
      omitted_note(json_.size());
    }
    batch.set_string(c.other_geokeys_value, json_);
    batch.end_entry();
  }
  batch.end_map();
}

void RowEncoder::other_tags(parquet::ColumnBatch& batch, const tiff::TiffHeader& header, const tiff::Ifd& ifd0) {
  const auto& c = data_columns();
  bool any = false;
  auto open = [&](std::uint16_t tag) {
    if (!any) {
      batch.begin_map(c.other_tags);
      any = true;
    }
    batch.begin_entry();
    batch.set_uint(c.other_tags_key, tag);
  };
  auto omit = [&](std::uint16_t tag, std::uint64_t bytes) {
    warn(fmt::format("tag {}: value of {} bytes is over the {}-byte cap of one value: left out", tag_label(tag), bytes,
                     limits_.max_value_bytes));
    open(tag);
    omitted_note(bytes);
    batch.set_string(c.other_tags_value, json_);
    batch.end_entry();
  };
  auto add = [&](const Entry& e) {
    // The raw bytes first: a value far over the cap is never turned into text at all.
    if (e.byte_size() > limits_.max_value_bytes) return omit(e.tag, e.byte_size());
    json_.clear();
    append_value_json(json_, e, header.byte_order);
    if (json_.size() > limits_.max_value_bytes) return omit(e.tag, json_.size());
    open(e.tag);
    batch.set_string(c.other_tags_value, json_);
    batch.end_entry();
  };
  for (const Entry& e : header.entries_of(ifd0)) {
    if (is_other_tag(e.tag)) add(e);
  }
  for (const Entry* e : misfits_) add(*e);
  for (const auto& [e, bytes] : omitted_) omit(e->tag, bytes);
  if (any) batch.end_map();
}

void RowEncoder::ifds(parquet::ColumnBatch& batch, const tiff::TiffHeader& header) {
  const auto& c = data_columns();
  if (header.ifds.size() <= 1) return;
  batch.begin_list(c.ifds);
  for (std::size_t i = 1; i < header.ifds.size(); ++i) {
    const tiff::Ifd& ifd = header.ifds[i];
    const tiff::ImageInfo info = tiff::image_info(header, i);
    auto set_u64 = [&](parquet::ColumnRef col, std::uint64_t v) {
      if (v <= kInt64Max) batch.set_uint(col, v);
    };
    batch.begin_element();
    set_u64(c.ifd_width, info.width);
    set_u64(c.ifd_height, info.height);
    if (info.tiled) {
      set_u64(c.ifd_tile_width, info.tile_width);
      set_u64(c.ifd_tile_height, info.tile_height);
    } else {
      set_u64(c.ifd_rows_per_strip, info.rows_per_strip);
    }
    set_u64(c.ifd_new_subfile_type, info.new_subfile_type);
    batch.set_uint(c.ifd_compression, info.compression);
    batch.set_uint(c.ifd_samples_per_pixel, info.samples_per_pixel);
    batch.set_uint(c.ifd_bits_per_sample, info.bits_per_sample);
    batch.set_uint(c.ifd_sample_format, info.sample_format);
    if (info.photometric) batch.set_uint(c.ifd_photometric, *info.photometric);
    batch.set_uint(c.ifd_predictor, info.predictor);
    batch.set_uint(c.ifd_planar_configuration, info.planar_configuration);
    set_u64(c.ifd_block_count, info.block_count);
    if (ifd.parent >= 0) batch.set_int(c.ifd_sub_ifd_of, ifd.parent);
    batch.end_element();
  }
  batch.end_list();
}

Status RowEncoder::append_error(parquet::ColumnBatch& batch, const store::ObjectMeta& meta, std::string_view url,
                                Stage stage, std::string_view kind, const Error& error, std::uint32_t attempts) {
  const auto& c = error_columns();
  warnings_.clear();
  row_warning_count_ = 0;  // an error row has no warnings column
  batch.begin_row();
  batch.set_string(c.path, store::display_key(meta.key, shown_));
  batch.set_string(c.url, store::display_key(url, shown_url_));
  batch.set_string(c.stage, to_string(stage));
  batch.set_string(c.kind, utf8(kind));
  batch.set_string(c.message, cut(utf8(error.message), limits_.max_value_bytes));
  if (error.http_status != 0) batch.set_int(c.http_status, error.http_status);
  if (!error.remote_code.empty())
    batch.set_string(c.remote_code, cut(utf8(error.remote_code), limits_.max_value_bytes));
  batch.set_uint(c.attempts, std::min<std::uint32_t>(std::max(attempts, error.attempts), 0x7FFFFFFF));
  object_columns(batch, c.size, c.last_modified, c.etag, meta, meta.size);
  return batch.end_row();
}

}  // namespace tdump::schema
