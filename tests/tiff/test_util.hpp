#pragma once
// Helpers shared by the tiff unit tests: whole-file parses and a recorded incremental session.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>

#include "tiff/parser.hpp"

namespace tdump::tiff::testing {

// Parses a whole in-memory file (one chunk, size known).
inline ParseStatus parse_whole(const std::vector<std::uint8_t>& file, TiffHeader& out, const ParseLimits& limits = {}) {
  ByteChunk chunk{0, file};
  return HeaderParser(limits).parse(FileBytes{std::span<const ByteChunk>(&chunk, 1), file.size()}, out);
}

// Drives the protocol by hand over an in-memory file, recording every round's requests.
struct Session {
  std::vector<std::vector<ByteRange>> rounds;  // ranges requested after each parse that needed more
  ParseStatus status = ParseStatus::kFailed;
  std::uint64_t bytes_fetched = 0;
  std::size_t parses = 0;
  // The bytes fetched (offset, bytes): the TiffHeader points into them, so they live here.
  std::vector<std::pair<std::uint64_t, std::vector<std::uint8_t>>> held;
  [[nodiscard]] std::size_t requests() const {
    std::size_t n = 1;  // the prefetch
    for (const auto& r : rounds) n += r.size();
    return n;
  }
};

inline Session run_session(const std::vector<std::uint8_t>& file, TiffHeader& out, std::uint64_t prefetch,
                           bool size_known = true, const ParseLimits& limits = {}) {
  HeaderParser parser(limits);
  std::optional<std::uint64_t> size;
  if (size_known) size = file.size();
  Session s;
  auto& held = s.held;
  auto fetch = [&](ByteRange r) {
    const std::uint64_t begin = std::min<std::uint64_t>(r.offset, file.size());
    const std::uint64_t end = std::min<std::uint64_t>(r.end(), file.size());
    held.emplace_back(r.offset, std::vector<std::uint8_t>(file.begin() + static_cast<std::ptrdiff_t>(begin),
                                                          file.begin() + static_cast<std::ptrdiff_t>(end)));
    s.bytes_fetched += end - begin;
    if (end < r.end()) size = end;  // a short read tells where the file ends
  };
  fetch(ByteRange{0, prefetch});
  std::vector<ByteChunk> chunks;
  for (int guard = 0; guard < 100000; ++guard) {
    chunks.clear();
    for (const auto& [offset, bytes] : held) chunks.push_back(ByteChunk{offset, bytes});
    ++s.parses;
    s.status = parser.parse(FileBytes{chunks, size}, out);
    if (s.status != ParseStatus::kNeedMore) return s;
    s.rounds.push_back(out.needed);
    for (const ByteRange& r : out.needed) fetch(r);
  }
  ADD_FAILURE() << "the protocol did not end";
  return s;
}

// Reads a whole file (fixtures).
inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace tdump::tiff::testing
