// libFuzzer target: the whole header protocol over an arbitrary file. The input is the file;
// its size picks the prefetch, whether the file size is known, and the ASCII strictness, so the
// seed corpus can be plain TIFFs. Missing ranges are served from the input (short at its end).
// Then everything the interpretation layer offers runs on the result.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "schema/value_json.hpp"
#include "tiff/fetcher.hpp"
#include "tiff/geokeys.hpp"
#include "tiff/image_info.hpp"
#include "tiff/parser.hpp"

namespace {

using namespace tdump::tiff;

ParseLimits fuzz_limits(std::size_t size) {
  ParseLimits limits;
  limits.max_ifds = 256;
  limits.max_value_bytes = 1 << 20;
  limits.max_header_bytes = 4 << 20;
  limits.strict_ascii = size % 3 != 0;
  limits.ifd_read_ahead = (size % 5 == 0) ? 64 : 4096;
  return limits;
}

// With the file size known from the start, a whole-file parse must agree with an incremental one
// that completed. (With the size unknown, checks against it are skipped by design: the strip/tile
// arrays past the end of such a file are never read, so nothing can tell.)
void check_against_whole_file(std::span<const std::uint8_t> data, const ParseLimits& limits, const TiffHeader& h) {
  ByteChunk chunk{0, data};
  TiffHeader whole;
  if (HeaderParser(limits).parse(FileBytes{std::span<const ByteChunk>(&chunk, 1), data.size()}, whole) !=
          ParseStatus::kComplete ||
      whole.ifds.size() != h.ifds.size() || whole.entries.size() != h.entries.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < h.ifds.size(); ++i) {
    if (whole.ifds[i].offset != h.ifds[i].offset || whole.ifds[i].next_offset != h.ifds[i].next_offset) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  const std::span<const std::uint8_t> file(data, size);
  SessionLimits session_limits;
  session_limits.parse = fuzz_limits(size);
  session_limits.prefetch = std::uint64_t{16} << (size % 11);  // 16 B .. 16 KiB
  session_limits.max_rounds = 64;
  const ParseLimits& limits = session_limits.parse;
  HeaderFetcher fetcher(session_limits);
  RangeReader reader = [file](std::uint64_t offset, std::span<std::uint8_t> buffer) -> tdump::Result<std::uint64_t> {
    if (offset >= file.size()) return std::uint64_t{0};
    const std::uint64_t n = std::min<std::uint64_t>(buffer.size(), file.size() - offset);
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(offset), n, buffer.begin());
    return n;
  };
  std::optional<std::uint64_t> known_size;
  if (size % 2 == 0) known_size = size;
  TiffHeader header;
  FetchStats stats;
  if (!fetcher.fetch(reader, known_size, header, stats).ok()) {
    if (fetcher.session().error().ok()) __builtin_trap();  // a failure names its kind
    return 0;
  }
  if (known_size) check_against_whole_file(file, limits, header);
  // Every warning and COG finding renders; a decided COG verdict agrees with its errors.
  std::string text;
  for (const TiffWarning& w : header.warnings) append_warning_text(text, w);
  const CogReport& cog = fetcher.session().cog();
  for (const CogIssue& issue : cog.errors) append_cog_text(text, issue);
  for (const CogIssue& issue : cog.warnings) append_cog_text(text, issue);
  if (cog.is_cog && *cog.is_cog != cog.errors.empty()) __builtin_trap();

  std::string json;
  GeoKeySet geokeys;
  (void)text;
  for (const Ifd& ifd : header.ifds) {
    (void)describe_image(header, ifd);
    for (const Entry& e : header.entries_of(ifd)) {
      json.clear();
      tdump::schema::append_value_json(json, e, header.byte_order);
    }
    if (decode_geokeys(header, ifd, geokeys).ok()) {
      for (const GeoKey& key : geokeys.keys) {
        json.clear();
        tdump::schema::append_geokey_json(json, geokeys, key);
      }
    }
  }
  return 0;
}
