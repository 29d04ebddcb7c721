#pragma once
// The few primitives request signing needs, over OpenSSL: SHA-256, HMAC-SHA256, RS256, and
// base64 / base64url / hex encodings.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tdump::store {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
inline std::string_view as_view(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};  // NOLINT: bytes as chars
}

// The 16 raw bytes of MD5(data): only for the Content-MD5-style checksums protocols ask for
// (S3's SSE-C key MD5), never for security.
std::string md5_bytes(std::string_view data);

// Lower-case hex of bytes.
std::string hex_encode(std::string_view bytes);
inline std::string hex_encode(const Digest& d) {
  return hex_encode(as_view(d));
}

std::string base64_encode(std::string_view bytes);
// Unpadded URL-safe alphabet (JWT).
std::string base64url_encode(std::string_view bytes);
// Standard alphabet; padding optional; whitespace refused. nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view text);

// RSASSA-PKCS1-v1_5 with SHA-256 over `data`, key given as PEM (PKCS#8 or PKCS#1).
// Errors never include the key.
Result<std::string> rs256_sign(std::string_view private_key_pem, std::string_view data);

}  // namespace tdump::store
