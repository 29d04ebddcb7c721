#include "tiff/field_type.hpp"

namespace tdump::tiff {

std::string_view field_type_name(FieldType type) noexcept {
  switch (type) {
    case FieldType::kByte:
      return "BYTE";
    case FieldType::kAscii:
      return "ASCII";
    case FieldType::kShort:
      return "SHORT";
    case FieldType::kLong:
      return "LONG";
    case FieldType::kRational:
      return "RATIONAL";
    case FieldType::kSByte:
      return "SBYTE";
    case FieldType::kUndefined:
      return "UNDEFINED";
    case FieldType::kSShort:
      return "SSHORT";
    case FieldType::kSLong:
      return "SLONG";
    case FieldType::kSRational:
      return "SRATIONAL";
    case FieldType::kFloat:
      return "FLOAT";
    case FieldType::kDouble:
      return "DOUBLE";
    case FieldType::kIfd:
      return "IFD";
    case FieldType::kLong8:
      return "LONG8";
    case FieldType::kSLong8:
      return "SLONG8";
    case FieldType::kIfd8:
      return "IFD8";
  }
  return "?";
}

}  // namespace tdump::tiff
