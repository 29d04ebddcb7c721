#pragma once
// Page compression: SNAPPY (raw block format), ZSTD (one frame per page) or none.
// The zstd context and output buffer live as long as the compressor, so steady state allocates nothing.
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/result.hpp"
#include "parquet/byte_buffer.hpp"
#include "parquet/format.hpp"

namespace tdump::parquet {

enum class Compression : std::uint8_t { kUncompressed, kSnappy, kZstd };

[[nodiscard]] format::Codec codec_of(Compression c) noexcept;
[[nodiscard]] std::string_view to_string(Compression c) noexcept;

class Compressor {
 public:
  Compressor(Compression compression, int zstd_level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Compresses `input`; the result stays valid until the next call. For kUncompressed the input is returned as is.
  Result<std::string_view> compress(std::string_view input);

 private:
  struct ZstdContext;
  Compression compression_;
  int zstd_level_;
  std::unique_ptr<ZstdContext> zstd_;
  ByteBuffer out_;
};

}  // namespace tdump::parquet
