// The service-account JWT: structure per RFC 7519 / Google's server-to-server OAuth guide, and
// the RS256 signature verified by `openssl dgst -verify` against a key generated at test time.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "store/common/crypto.hpp"
#include "store/gcs/google_credentials.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

std::string base64url_decode(std::string text) {
  for (auto& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  auto decoded = base64_decode(text);
  EXPECT_TRUE(decoded.has_value());
  return decoded.value_or("");
}

struct KeyPair {
  std::string private_pem;
  std::string public_pem_path;
};

KeyPair generate_key(const testing::TempDir& dir) {
  auto gen = testing::run_command({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                   "-out", (dir / "key.pem").string()});
  EXPECT_EQ(gen.exit_code, 0) << gen.err;
  auto pub = testing::run_command(
      {"openssl", "pkey", "-in", (dir / "key.pem").string(), "-pubout", "-out", (dir / "pub.pem").string()});
  EXPECT_EQ(pub.exit_code, 0) << pub.err;
  return {testing::read_file(dir / "key.pem"), (dir / "pub.pem").string()};
}

TEST(ServiceAccountJwt, StructureAndSignatureVerifyWithOpenssl) {
  testing::TempDir dir("jwt");
  KeyPair key = generate_key(dir);
  nlohmann::json file = {{"type", "service_account"},
                         {"client_email", "reader@project.iam.gserviceaccount.com"},
                         {"private_key_id", "kid-123"},
                         {"private_key", key.private_pem},
                         {"token_uri", "https://oauth2.example.test/token"}};
  auto credentials = parse_google_credentials(file.dump(), "test");
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  auto jwt = make_service_account_jwt(*credentials, 1'700'000'000, kGcsReadScope);
  ASSERT_TRUE(jwt.ok()) << jwt.error().message;

  auto first_dot = jwt->find('.');
  auto second_dot = jwt->find('.', first_dot + 1);
  ASSERT_NE(second_dot, std::string::npos);
  auto header = nlohmann::json::parse(base64url_decode(jwt->substr(0, first_dot)));
  auto claims = nlohmann::json::parse(base64url_decode(jwt->substr(first_dot + 1, second_dot - first_dot - 1)));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["kid"], "kid-123");
  EXPECT_EQ(claims["iss"], "reader@project.iam.gserviceaccount.com");
  EXPECT_EQ(claims["aud"], "https://oauth2.example.test/token");
  EXPECT_EQ(claims["scope"], "https://www.googleapis.com/auth/devstorage.read_only");
  EXPECT_EQ(claims["iat"], 1'700'000'000);
  EXPECT_EQ(claims["exp"], 1'700'003'600);
  EXPECT_EQ(jwt->find('='), std::string::npos);  // base64url without padding

  testing::write_file(dir / "signed", jwt->substr(0, second_dot));
  testing::write_file(dir / "sig", base64url_decode(jwt->substr(second_dot + 1)));
  auto verify = testing::run_command({"openssl", "dgst", "-sha256", "-verify", key.public_pem_path, "-signature",
                                      (dir / "sig").string(), (dir / "signed").string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("Verified OK"), std::string::npos);

  // A flipped byte in the signed text must fail the same check (the oracle can say no).
  std::string tampered = jwt->substr(0, second_dot);
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  testing::write_file(dir / "signed", tampered);
  auto bad = testing::run_command({"openssl", "dgst", "-sha256", "-verify", key.public_pem_path, "-signature",
                                   (dir / "sig").string(), (dir / "signed").string()});
  EXPECT_NE(bad.exit_code, 0);
}

TEST(ServiceAccountJwt, BadKeysAndFilesAreClearErrors) {
  auto not_json = parse_google_credentials("{nope", "option service_account_key");
  ASSERT_FALSE(not_json.ok());
  EXPECT_NE(not_json.error().message.find("option service_account_key"), std::string::npos);

  auto missing = parse_google_credentials(R"({"type":"service_account","client_email":"x"})", "file k.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("private_key"), std::string::npos);

  auto other = parse_google_credentials(R"({"type":"gdch_service_account"})", "file k.json");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kUnsupported);

  auto creds = parse_google_credentials(
      R"({"type":"service_account","client_email":"x","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"})",
      "test");
  ASSERT_TRUE(creds.ok());
  auto jwt = make_service_account_jwt(*creds, 0, kGcsReadScope);
  ASSERT_FALSE(jwt.ok());
  EXPECT_EQ(jwt.error().message.find("AAAA"), std::string::npos);
}

TEST(OAuthToken, ResponseParsing) {
  auto now = std::chrono::steady_clock::now();
  auto token = parse_token_response(R"({"access_token":"ya29.abc","expires_in":3599,"token_type":"Bearer"})", now);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->value, "ya29.abc");
  EXPECT_EQ(token->expires_at, now + std::chrono::seconds(3599));
  EXPECT_FALSE(parse_token_response(R"({"error":"invalid_grant"})", now).ok());
  EXPECT_EQ(jwt_grant_body("a.b.c"),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c");
}

}  // namespace
}  // namespace tdump::store
