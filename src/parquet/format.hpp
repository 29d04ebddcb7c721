#pragma once
// Enum values of the Parquet format (parquet.thrift), only the ones this writer emits.
// They are wire values: never renumber.
#include <cstdint>

namespace tdump::parquet::format {

enum class Type : std::int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kDouble = 5,
  kByteArray = 6,
};

enum class ConvertedType : std::int32_t {
  kUtf8 = 0,
  kMap = 1,
  kList = 3,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
};

enum class Repetition : std::int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Encoding : std::int32_t {
  kPlain = 0,
  kRle = 3,
  kRleDictionary = 8,
};

enum class Codec : std::int32_t { kUncompressed = 0, kSnappy = 1, kZstd = 6 };

enum class PageType : std::int32_t { kDataPage = 0, kDictionaryPage = 2 };

// Field ids of the LogicalType union members we use.
namespace logical {
inline constexpr std::int16_t kString = 1;
inline constexpr std::int16_t kMap = 2;
inline constexpr std::int16_t kList = 3;
inline constexpr std::int16_t kTimestamp = 8;
inline constexpr std::int16_t kInteger = 10;
}  // namespace logical

// Field ids of the TimeUnit union.
namespace time_unit {
inline constexpr std::int16_t kMillis = 1;
inline constexpr std::int16_t kMicros = 2;
}  // namespace time_unit

}  // namespace tdump::parquet::format
