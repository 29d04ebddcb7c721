#include "parquet/metadata.hpp"

#include <limits>

#include "parquet/thrift_compact.hpp"

namespace tdump::parquet {

namespace {

using thrift::CompactWriter;
using thrift::CType;

std::int32_t wire(format::Encoding e) {
  return static_cast<std::int32_t>(e);
}

// Field ids, from parquet.thrift.
namespace page_header {
constexpr std::int16_t kType = 1, kUncompressedSize = 2, kCompressedSize = 3, kDataPage = 5, kDictionaryPage = 7;
}
namespace data_page {
constexpr std::int16_t kNumValues = 1, kEncoding = 2, kDefEncoding = 3, kRepEncoding = 4;
}
namespace dictionary_page {
constexpr std::int16_t kNumValues = 1, kEncoding = 2;
}
namespace schema_element {
constexpr std::int16_t kType = 1, kRepetition = 3, kName = 4, kNumChildren = 5, kConvertedType = 6, kLogicalType = 10;
}
namespace statistics {
constexpr std::int16_t kMax = 1, kMin = 2, kNullCount = 3, kMaxValue = 5, kMinValue = 6, kMaxExact = 7, kMinExact = 8,
                       kNanCount = 9;
}
namespace column_meta {
constexpr std::int16_t kType = 1, kEncodings = 2, kPath = 3, kCodec = 4, kNumValues = 5, kUncompressed = 6,
                       kCompressed = 7, kDataPageOffset = 9, kDictionaryPageOffset = 11, kStatistics = 12,
                       kEncodingStats = 13;
}
namespace page_encoding_stats {
constexpr std::int16_t kPageType = 1, kEncoding = 2, kCount = 3;
}
namespace column_chunk {
constexpr std::int16_t kFileOffset = 2, kMetaData = 3;
}
namespace row_group {
constexpr std::int16_t kColumns = 1, kTotalByteSize = 2, kNumRows = 3, kFileOffset = 5, kTotalCompressed = 6,
                       kOrdinal = 7;
}
namespace file_meta {
constexpr std::int16_t kVersion = 1, kSchema = 2, kNumRows = 3, kRowGroups = 4, kKeyValue = 5, kCreatedBy = 6,
                       kColumnOrders = 7;
}

void write_page_header_start(CompactWriter& w, format::PageType type, std::int32_t uncompressed,
                             std::int32_t compressed) {
  w.begin_message();
  w.field_i32(page_header::kType, static_cast<std::int32_t>(type));
  w.field_i32(page_header::kUncompressedSize, uncompressed);
  w.field_i32(page_header::kCompressedSize, compressed);
}

struct Annotation {
  std::optional<format::ConvertedType> converted;
  enum class Logical : std::uint8_t { kNone, kString, kInteger, kTimestamp, kList, kMap } logical = Logical::kNone;
  std::int8_t bit_width = 0;
  bool is_signed = true;
  std::int16_t time_unit = 0;
};

Annotation annotation_of(ColumnType t) {
  using C = format::ConvertedType;
  using L = Annotation::Logical;
  Annotation a;
  auto integer = [&](C c, std::int8_t bits, bool is_signed) {
    a.converted = c;
    a.logical = L::kInteger;
    a.bit_width = bits;
    a.is_signed = is_signed;
  };
  switch (t) {
    case ColumnType::kBool:
    case ColumnType::kDouble:
    case ColumnType::kBinary:
      break;
    case ColumnType::kString:
      a.converted = C::kUtf8;
      a.logical = L::kString;
      break;
    case ColumnType::kInt8:
      integer(C::kInt8, 8, true);
      break;
    case ColumnType::kInt16:
      integer(C::kInt16, 16, true);
      break;
    case ColumnType::kInt32:
      integer(C::kInt32, 32, true);
      break;
    case ColumnType::kInt64:
      integer(C::kInt64, 64, true);
      break;
    case ColumnType::kUInt8:
      integer(C::kUint8, 8, false);
      break;
    case ColumnType::kUInt16:
      integer(C::kUint16, 16, false);
      break;
    case ColumnType::kUInt32:
      integer(C::kUint32, 32, false);
      break;
    case ColumnType::kUInt64:
      integer(C::kUint64, 64, false);
      break;
    case ColumnType::kTimestampMillis:
      a.converted = C::kTimestampMillis;
      a.logical = L::kTimestamp;
      a.time_unit = format::time_unit::kMillis;
      break;
    case ColumnType::kTimestampMicros:
      a.converted = C::kTimestampMicros;
      a.logical = L::kTimestamp;
      a.time_unit = format::time_unit::kMicros;
      break;
  }
  return a;
}

format::Type physical_wire_type(PhysicalType p) {
  switch (p) {
    case PhysicalType::kBoolean:
      return format::Type::kBoolean;
    case PhysicalType::kInt32:
      return format::Type::kInt32;
    case PhysicalType::kInt64:
      return format::Type::kInt64;
    case PhysicalType::kDouble:
      return format::Type::kDouble;
    case PhysicalType::kByteArray:
      return format::Type::kByteArray;
  }
  return format::Type::kInt32;
}

void write_logical_type(CompactWriter& w, const Annotation& a) {
  using L = Annotation::Logical;
  if (a.logical == L::kNone) return;
  w.field_struct(schema_element::kLogicalType);
  switch (a.logical) {
    case L::kNone:
      break;
    case L::kString:
      w.field_struct(format::logical::kString);
      w.end_struct();
      break;
    case L::kList:
      w.field_struct(format::logical::kList);
      w.end_struct();
      break;
    case L::kMap:
      w.field_struct(format::logical::kMap);
      w.end_struct();
      break;
    case L::kInteger:
      w.field_struct(format::logical::kInteger);
      w.field_i8(1, a.bit_width);    // IntType.bitWidth
      w.field_bool(2, a.is_signed);  // IntType.isSigned
      w.end_struct();
      break;
    case L::kTimestamp:
      w.field_struct(format::logical::kTimestamp);
      w.field_bool(1, true);  // TimestampType.isAdjustedToUTC
      w.field_struct(2);      // TimestampType.unit (a TimeUnit union)
      w.field_struct(a.time_unit);
      w.end_struct();
      w.end_struct();
      w.end_struct();
      break;
  }
  w.end_struct();
}

void write_schema_element(CompactWriter& w, const SchemaNode& n) {
  using Role = SchemaNode::Role;
  w.element_struct();
  Annotation a;
  if (n.role == Role::kLeaf) {
    a = annotation_of(n.type);
    w.field_i32(schema_element::kType, static_cast<std::int32_t>(physical_wire_type(physical_type_of(n.type))));
  } else if (n.role == Role::kList) {
    a.converted = format::ConvertedType::kList;
    a.logical = Annotation::Logical::kList;
  } else if (n.role == Role::kMap) {
    a.converted = format::ConvertedType::kMap;
    a.logical = Annotation::Logical::kMap;
  }
  if (n.role != Role::kRoot) w.field_i32(schema_element::kRepetition, static_cast<std::int32_t>(n.repetition));
  w.field_binary(schema_element::kName, n.name);
  if (n.role != Role::kLeaf) w.field_i32(schema_element::kNumChildren, static_cast<std::int32_t>(n.num_children));
  if (a.converted) w.field_i32(schema_element::kConvertedType, static_cast<std::int32_t>(*a.converted));
  write_logical_type(w, a);
  w.end_struct();
}

// The deprecated min/max fields are defined as signed comparisons: valid to repeat only where
// the column's own order is signed too (old readers look nowhere else).
bool legacy_bounds_valid(ColumnType t) {
  switch (t) {
    case ColumnType::kBool:
    case ColumnType::kInt8:
    case ColumnType::kInt16:
    case ColumnType::kInt32:
    case ColumnType::kInt64:
    case ColumnType::kDouble:
    case ColumnType::kTimestampMillis:
    case ColumnType::kTimestampMicros:
      return true;
    default:
      return false;
  }
}

void write_statistics(CompactWriter& w, const ChunkStatistics& s, ColumnType type) {
  w.field_struct(column_meta::kStatistics);
  const bool legacy = s.has_min_max && legacy_bounds_valid(type);
  if (legacy) {
    w.field_binary(statistics::kMax, s.max_value);
    w.field_binary(statistics::kMin, s.min_value);
  }
  w.field_i64(statistics::kNullCount, s.null_count);
  if (s.has_min_max) {
    w.field_binary(statistics::kMaxValue, s.max_value);
    w.field_binary(statistics::kMinValue, s.min_value);
    w.field_bool(statistics::kMaxExact, true);
    w.field_bool(statistics::kMinExact, true);
  }
  if (s.nan_count) w.field_i64(statistics::kNanCount, *s.nan_count);
  w.end_struct();
}

void write_column_chunk(CompactWriter& w, const ColumnChunkMeta& c, const LeafInfo& leaf) {
  w.element_struct();
  w.field_i64(column_chunk::kFileOffset, 0);  // deprecated; the spec asks for 0
  w.field_struct(column_chunk::kMetaData);
  w.field_i32(column_meta::kType, static_cast<std::int32_t>(physical_wire_type(leaf.physical)));
  w.field_list(column_meta::kEncodings, CType::kI32, static_cast<std::uint32_t>(c.encodings.size()));
  for (const auto e : c.encodings) w.element_i32(wire(e));
  w.field_list(column_meta::kPath, CType::kBinary, static_cast<std::uint32_t>(leaf.path.size()));
  for (const auto& p : leaf.path) w.element_binary(p);
  w.field_i32(column_meta::kCodec, static_cast<std::int32_t>(c.codec));
  w.field_i64(column_meta::kNumValues, c.num_values);
  w.field_i64(column_meta::kUncompressed, c.total_uncompressed_size);
  w.field_i64(column_meta::kCompressed, c.total_compressed_size);
  w.field_i64(column_meta::kDataPageOffset, c.data_page_offset);
  if (c.dictionary_page_offset) w.field_i64(column_meta::kDictionaryPageOffset, *c.dictionary_page_offset);
  write_statistics(w, c.statistics, leaf.type);
  // encoding_stats: lets readers see that every data page is dictionary-encoded (or none is).
  const std::uint32_t kinds = (c.dictionary_pages > 0 ? 1U : 0U) + (c.data_pages > 0 ? 1U : 0U);
  w.field_list(column_meta::kEncodingStats, CType::kStruct, kinds);
  auto stat = [&](format::PageType type, format::Encoding encoding, std::int32_t count) {
    w.element_struct();
    w.field_i32(page_encoding_stats::kPageType, static_cast<std::int32_t>(type));
    w.field_i32(page_encoding_stats::kEncoding, wire(encoding));
    w.field_i32(page_encoding_stats::kCount, count);
    w.end_struct();
  };
  if (c.dictionary_pages > 0) stat(format::PageType::kDictionaryPage, format::Encoding::kPlain, c.dictionary_pages);
  if (c.data_pages > 0) stat(format::PageType::kDataPage, c.data_encoding, c.data_pages);
  w.end_struct();  // ColumnMetaData
  w.end_struct();  // ColumnChunk
}

}  // namespace

void write_data_page_header(const DataPageHeaderFields& page, ByteBuffer& out) {
  CompactWriter w(out);
  write_page_header_start(w, format::PageType::kDataPage, page.uncompressed_size, page.compressed_size);
  w.field_struct(page_header::kDataPage);
  w.field_i32(data_page::kNumValues, page.num_values);
  w.field_i32(data_page::kEncoding, wire(page.encoding));
  w.field_i32(data_page::kDefEncoding, wire(format::Encoding::kRle));
  w.field_i32(data_page::kRepEncoding, wire(format::Encoding::kRle));
  w.end_struct();
  w.end_struct();
}

void write_dictionary_page_header(std::int32_t uncompressed_size, std::int32_t compressed_size,
                                  std::int32_t num_entries, ByteBuffer& out) {
  CompactWriter w(out);
  write_page_header_start(w, format::PageType::kDictionaryPage, uncompressed_size, compressed_size);
  w.field_struct(page_header::kDictionaryPage);
  w.field_i32(dictionary_page::kNumValues, num_entries);
  w.field_i32(dictionary_page::kEncoding, wire(format::Encoding::kPlain));
  w.end_struct();
  w.end_struct();
}

void write_file_metadata(const Schema& schema, const std::vector<RowGroupMeta>& row_groups, std::int64_t num_rows,
                         const KeyValueList& key_values, const std::string& created_by, ByteBuffer& out) {
  CompactWriter w(out);
  w.begin_message();
  w.field_i32(file_meta::kVersion, 1);
  const auto& nodes = schema.nodes();
  w.field_list(file_meta::kSchema, CType::kStruct, static_cast<std::uint32_t>(nodes.size()));
  for (const SchemaNode& n : nodes) write_schema_element(w, n);
  w.field_i64(file_meta::kNumRows, num_rows);
  w.field_list(file_meta::kRowGroups, CType::kStruct, static_cast<std::uint32_t>(row_groups.size()));
  for (std::size_t g = 0; g < row_groups.size(); ++g) {
    const RowGroupMeta& rg = row_groups[g];
    w.element_struct();
    w.field_list(row_group::kColumns, CType::kStruct, static_cast<std::uint32_t>(rg.columns.size()));
    for (std::size_t c = 0; c < rg.columns.size(); ++c) write_column_chunk(w, rg.columns[c], schema.leaves()[c]);
    w.field_i64(row_group::kTotalByteSize, rg.total_byte_size);
    w.field_i64(row_group::kNumRows, rg.num_rows);
    w.field_i64(row_group::kFileOffset, rg.file_offset);
    w.field_i64(row_group::kTotalCompressed, rg.total_compressed_size);
    if (g <= static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max())) {
      w.field_i16(row_group::kOrdinal, static_cast<std::int16_t>(g));
    }
    w.end_struct();
  }
  if (!key_values.empty()) {
    w.field_list(file_meta::kKeyValue, CType::kStruct, static_cast<std::uint32_t>(key_values.size()));
    for (const auto& [key, value] : key_values) {
      w.element_struct();
      w.field_binary(1, key);    // KeyValue.key
      w.field_binary(2, value);  // KeyValue.value
      w.end_struct();
    }
  }
  w.field_binary(file_meta::kCreatedBy, created_by);
  // One TypeDefinedOrder per leaf: min_value/max_value follow each column's logical type.
  w.field_list(file_meta::kColumnOrders, CType::kStruct, static_cast<std::uint32_t>(schema.num_leaves()));
  for (std::size_t i = 0; i < schema.num_leaves(); ++i) {
    w.element_struct();
    w.field_struct(1);  // ColumnOrder.TYPE_ORDER
    w.end_struct();
    w.end_struct();
  }
  w.end_struct();
}

}  // namespace tdump::parquet
