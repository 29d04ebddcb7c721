#include "parquet/compressor.hpp"

#include <fmt/format.h>
#include <snappy.h>
#include <zstd.h>

namespace tdump::parquet {

struct Compressor::ZstdContext {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZstdContext() = default;
  ZstdContext(const ZstdContext&) = delete;
  ZstdContext& operator=(const ZstdContext&) = delete;
  ~ZstdContext() { ZSTD_freeCCtx(ctx); }
};

format::Codec codec_of(Compression c) noexcept {
  switch (c) {
    case Compression::kUncompressed:
      return format::Codec::kUncompressed;
    case Compression::kSnappy:
      return format::Codec::kSnappy;
    case Compression::kZstd:
      return format::Codec::kZstd;
  }
  return format::Codec::kUncompressed;
}

std::string_view to_string(Compression c) noexcept {
  switch (c) {
    case Compression::kUncompressed:
      return "uncompressed";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

Compressor::Compressor(Compression compression, int zstd_level) : compression_(compression), zstd_level_(zstd_level) {
  if (compression_ == Compression::kZstd) zstd_ = std::make_unique<ZstdContext>();
}

Compressor::~Compressor() = default;

Result<std::string_view> Compressor::compress(std::string_view input) {
  switch (compression_) {
    case Compression::kUncompressed:
      return input;
    case Compression::kSnappy: {
      out_.resize(snappy::MaxCompressedLength(input.size()));
      std::size_t written = 0;
      snappy::RawCompress(input.data(), input.size(), reinterpret_cast<char*>(out_.data()), &written);
      return std::string_view(reinterpret_cast<const char*>(out_.data()), written);
    }
    case Compression::kZstd: {
      if (zstd_->ctx == nullptr) return make_error(ErrorCode::kInternal, "parquet: zstd context allocation failed");
      out_.resize(ZSTD_compressBound(input.size()));
      const std::size_t written =
          ZSTD_compressCCtx(zstd_->ctx, out_.data(), out_.size(), input.data(), input.size(), zstd_level_);
      if (ZSTD_isError(written) != 0U) {
        return make_error(ErrorCode::kInternal, fmt::format("parquet: zstd: {}", ZSTD_getErrorName(written)));
      }
      return std::string_view(reinterpret_cast<const char*>(out_.data()), written);
    }
  }
  return make_error(ErrorCode::kInternal, "parquet: unknown compression");
}

}  // namespace tdump::parquet
