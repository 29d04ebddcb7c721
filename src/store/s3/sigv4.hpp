#pragma once
// AWS Signature Version 4 in the Authorization header. The signing key (a chain of four
// HMACs over the secret, date, region and service) is cached per day, so signing a request
// costs one SHA-256 of the canonical request and one HMAC.
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "store/common/crypto.hpp"

namespace tdump::store {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" when none
};

// The SHA-256 of an empty payload, and the marker for an unsigned one.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

using SignedHeader = std::pair<std::string_view, std::string_view>;  // lower-case name, trimmed value

struct SigV4Request {
  std::string_view method;                // "GET"
  std::string_view canonical_uri;         // the encoded path exactly as sent ("/bucket/a%20b")
  std::string_view canonical_query;       // sorted, encoded, exactly as sent ("list-type=2&prefix=a")
  std::span<const SignedHeader> headers;  // sorted by name; host and x-amz-date included
  std::string_view payload_hash;          // kUnsignedPayload or a hex SHA-256
  std::string_view amz_date;              // "20130524T000000Z"
};

class SigV4Signer {
 public:
  // A signer whose credentials come with each request (they change as they are refreshed).
  explicit SigV4Signer(std::string region, std::string service = "s3");
  // A signer bound to one fixed set of credentials.
  SigV4Signer(AwsCredentials credentials, std::string region, std::string service = "s3");

  // The canonical request text (exposed for tests against AWS's documented examples).
  static std::string canonical_request(const SigV4Request& request);
  // "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request,
  //  SignedHeaders=host;range;x-amz-date,Signature=<hex>"
  [[nodiscard]] std::string authorization(const SigV4Request& request) const;
  // The same with the credentials given here (the signing key is cached per day and secret).
  [[nodiscard]] std::string authorization(const SigV4Request& request, std::string_view key_id,
                                          std::string_view secret) const;
  [[nodiscard]] const AwsCredentials& credentials() const { return credentials_; }

 private:
  Digest signing_key(std::string_view date, std::string_view secret) const;

  AwsCredentials credentials_;
  std::string region_;
  std::string service_;
  mutable std::mutex mutex_;
  mutable std::string key_date_;    // guarded by mutex_: the day the cached key is for ("20130524")
  mutable std::string key_secret_;  // guarded: the secret it was derived from
  mutable Digest key_{};            // guarded
};

}  // namespace tdump::store
