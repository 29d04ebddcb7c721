// SigV4 against the worked examples of the S3 API reference ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk"): the documented signatures
// were computed by AWS, not by us.
#include <gtest/gtest.h>

#include <array>

#include "store/common/url.hpp"
#include "store/s3/sigv4.hpp"

namespace tdump::store {
namespace {

const AwsCredentials example_credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4, GetObjectExampleMatchesAwsDocumentation) {
  // GET /test.txt with Range: bytes=0-9 on examplebucket, 20130524T000000Z, us-east-1.
  std::array<SignedHeader, 4> headers = {{{"host", "examplebucket.s3.amazonaws.com"},
                                          {"range", "bytes=0-9"},
                                          {"x-amz-content-sha256", kEmptyPayloadSha256},
                                          {"x-amz-date", "20130524T000000Z"}}};
  SigV4Request request{"GET", "/test.txt", "", headers, kEmptyPayloadSha256, "20130524T000000Z"};
  EXPECT_EQ(SigV4Signer::canonical_request(request),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  SigV4Signer signer(example_credentials, "us-east-1", "s3");
  EXPECT_EQ(signer.authorization(request),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, ListObjectsExampleMatchesAwsDocumentation) {
  // GET /?max-keys=2&prefix=J, the documented "GET Bucket (List Objects)" example.
  std::string query = canonical_query({{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_EQ(query, "max-keys=2&prefix=J");
  std::array<SignedHeader, 3> headers = {{{"host", "examplebucket.s3.amazonaws.com"},
                                          {"x-amz-content-sha256", kEmptyPayloadSha256},
                                          {"x-amz-date", "20130524T000000Z"}}};
  SigV4Request request{"GET", "/", query, headers, kEmptyPayloadSha256, "20130524T000000Z"};
  SigV4Signer signer(example_credentials, "us-east-1", "s3");
  EXPECT_EQ(signer.authorization(request),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, CachedSigningKeyFollowsTheDate) {
  SigV4Signer signer(example_credentials, "us-east-1", "s3");
  std::array<SignedHeader, 4> headers = {{{"host", "examplebucket.s3.amazonaws.com"},
                                          {"range", "bytes=0-9"},
                                          {"x-amz-content-sha256", kEmptyPayloadSha256},
                                          {"x-amz-date", "20130524T000000Z"}}};
  SigV4Request day1{"GET", "/test.txt", "", headers, kEmptyPayloadSha256, "20130524T000000Z"};
  std::string first = signer.authorization(day1);
  std::array<SignedHeader, 4> headers2 = headers;
  headers2[3].second = "20130525T000000Z";
  SigV4Request day2{"GET", "/test.txt", "", headers2, kEmptyPayloadSha256, "20130525T000000Z"};
  std::string second = signer.authorization(day2);
  EXPECT_NE(first, second);
  EXPECT_NE(second.find("/20130525/us-east-1/s3/"), std::string::npos);
  EXPECT_EQ(signer.authorization(day1), first);  // back to day 1: recomputed, same as before
  // A fresh signer (no cache) agrees with the cached one for day 2.
  SigV4Signer fresh(example_credentials, "us-east-1", "s3");
  EXPECT_EQ(fresh.authorization(day2), second);
}

TEST(SigV4, AwkwardKeysEncodeAsSigV4Requires) {
  // Unreserved characters stay, '/' stays in paths; everything else is %XX upper-case, so a key
  // is encoded exactly once (S3 does not double-encode).
  EXPECT_EQ(percent_encode("a b+c%d=e/été//x~y_z.-", true), "a%20b%2Bc%25d%3De/%C3%A9t%C3%A9//x~y_z.-");
  EXPECT_EQ(canonical_query({{"prefix", "a b/+"}, {"continuation-token", "1/2+3=="}}),
            "continuation-token=1%2F2%2B3%3D%3D&prefix=a%20b%2F%2B");
}

}  // namespace
}  // namespace tdump::store
