#pragma once
// Budgets that bound the work and memory one (possibly hostile) header can cost. Every count
// and offset read from a file is checked against these, and against the file size when it is
// known, before anything is requested or stored.
#include <cstdint>

namespace tdump::tiff {

struct ParseLimits {
  std::uint32_t max_ifds = 1024;                 // IFDs in the chain, SubIFDs included
  std::uint32_t max_entries_per_ifd = 4096;      // tags in one IFD
  std::uint64_t max_value_bytes = 16ULL << 20;   // out-of-line tag values of all IFDs together
  std::uint64_t max_header_bytes = 64ULL << 20;  // bytes held + asked for, prefetch included
  // An IFD past the bytes held is requested with this many bytes (at least), so its entries
  // and the values written right after it usually arrive in the same request.
  std::uint64_t ifd_read_ahead = 4096;
  // Needed ranges closer than this are merged into one request.
  std::uint64_t coalesce_gap = std::uint64_t{32} * 1024;
  bool parse_sub_ifds = true;  // follow tag 330 (SubIFDs)
  bool strict_ascii = true;    // ASCII values must be UTF-8 (else kInvalidAscii)
};

}  // namespace tdump::tiff
