// Azure Shared Key: the string-to-sign layout from the Azure Storage REST reference ("Authorize
// with Shared Key", version 2009-09-19 and later), and the signature checked against one
// computed independently by `openssl dgst -mac HMAC` at test time.
#include <gtest/gtest.h>

#include <array>

#include "process.hpp"
#include "store/azure/azure_client.hpp"
#include "store/azure/shared_key.hpp"
#include "store/common/crypto.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

constexpr std::string_view kKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

std::string openssl_hmac_base64(std::string_view key_base64, const std::string& message) {
  testing::TempDir dir("sharedkey");
  testing::write_file(dir / "msg", message);
  std::string key_hex = hex_encode(*base64_decode(key_base64));
  auto result = testing::run_command({"openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:" + key_hex,
                                      "-binary", "-out", (dir / "sig").string(), (dir / "msg").string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto b64 = testing::run_command({"openssl", "base64", "-A", "-in", (dir / "sig").string()});
  EXPECT_EQ(b64.exit_code, 0) << b64.err;
  return b64.out;
}

TEST(SharedKey, StringToSignFollowsTheSpecLayout) {
  std::array<std::pair<std::string_view, std::string_view>, 3> ms = {
      {{"x-ms-version", "2021-08-06"}, {"x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT"}, {"x-ms-range", "bytes=0-99"}}};
  SharedKeyRequest request{"GET", "/mycontainer/a%20b/c.tif", "", "", "", "", ms};
  EXPECT_EQ(SharedKeySigner::string_to_sign("myaccount", request),
            "GET\n\n\n\n\n\n\n\n\n\n\n\n"
            "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-range:bytes=0-99\nx-ms-version:2021-08-06\n"
            "/myaccount/mycontainer/a%20b/c.tif");
}

TEST(SharedKey, CanonicalizedResourceListsDecodedSortedQueryParameters) {
  std::array<std::pair<std::string_view, std::string_view>, 2> ms = {
      {{"x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT"}, {"x-ms-version", "2021-08-06"}}};
  SharedKeyRequest request{
      "GET", "/mycontainer", "restype=container&comp=list&prefix=a%20b%2F&maxresults=2", "0", "", "", ms};
  EXPECT_EQ(SharedKeySigner::string_to_sign("myaccount", request),
            "GET\n\n\n\n\n\n\n\n\n\n\n\n"
            "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2021-08-06\n"
            "/myaccount/mycontainer\ncomp:list\nmaxresults:2\nprefix:a b/\nrestype:container");
}

TEST(SharedKey, SignatureMatchesOpensslHmac) {
  std::array<std::pair<std::string_view, std::string_view>, 3> ms = {
      {{"x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT"}, {"x-ms-version", "2021-08-06"}, {"x-ms-range", "bytes=10-19"}}};
  SharedKeyRequest request{"GET", "/devstoreaccount1/devstoreaccount1/c/k.tif", "", "", "", "", ms};
  auto signer = SharedKeySigner::create("devstoreaccount1", kKey);
  ASSERT_TRUE(signer.ok());
  std::string expected = "SharedKey devstoreaccount1:" +
                         openssl_hmac_base64(kKey, SharedKeySigner::string_to_sign("devstoreaccount1", request));
  EXPECT_EQ(signer->authorization(request), expected);
}

TEST(SharedKey, BadKeyIsRefusedWithoutEchoingIt) {
  auto signer = SharedKeySigner::create("acct", "not base64 !!");
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.error().message.find("not base64 !!"), std::string::npos);
}

TEST(AzureClient, SasIsAppendedToTheUrlButNotToTheDisplayUrl) {
  AzureConfig config;
  config.account = "acct";
  config.container = "c";
  config.blob_endpoint = "https://acct.blob.core.windows.net";
  AzureCredential sas;
  sas.kind = AzureCredential::Kind::kSas;
  sas.sas = "sv=2021-08-06&sig=SECRET%3D";
  auto client = AzureClient::create(config);
  ASSERT_TRUE(client.ok());
  auto get = (*client)->read("a b/c.tif", {0, 100}, &sas);
  EXPECT_EQ(get.url, "https://acct.blob.core.windows.net/c/a%20b/c.tif?sv=2021-08-06&sig=SECRET%3D");
  EXPECT_EQ(get.display_url.find("SECRET"), std::string::npos);
  PageRequest page;
  page.prefix = "p/";
  page.page_size = 10;
  auto list = (*client)->list(page, &sas);
  EXPECT_NE(list.url.find("&sv=2021-08-06&sig=SECRET%3D"), std::string::npos);
  EXPECT_EQ(list.display_url.find("SECRET"), std::string::npos);
  for (const auto& header : get.headers) EXPECT_NE(header.name, "authorization");
}

}  // namespace
}  // namespace tdump::store
