// Listing and error bodies in the shapes the services document: S3 ListObjectsV2 (with
// encoding-type=url), Azure List Blobs, the GCS JSON API, and WebDAV multistatus.
#include <gtest/gtest.h>

#include <map>

#include "store/azure/azure_client.hpp"
#include "store/common/xml.hpp"
#include "store/gcs/gcs_client.hpp"
#include "store/http/webdav.hpp"
#include "store/s3/s3_client.hpp"

namespace tdump::store {
namespace {

TEST(S3List, ParsesContentsDecodesUrlEncodedKeysAndStripsTheRoot) {
  const char* body = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>root/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
  <Contents><Key>root/a+b%2Bc%25d%3De.tif</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>root/%C3%A9t%C3%A9//x</Key><LastModified>2009-10-12T17:50:31Z</LastModified>
    <ETag>"x"</ETag><Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)";
  auto page = S3Client::parse_list(body, "root/");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2U);
  EXPECT_EQ(page->objects[0].key, "a b+c%d=e.tif");
  EXPECT_EQ(page->objects[0].size, 434234U);
  EXPECT_EQ(page->objects[0].etag, "fba9dede5f27731c9771645a39863328");
  EXPECT_EQ(page->objects[0].last_modified_us, 1255369830'000'000LL);
  EXPECT_EQ(page->objects[1].key, "été//x");
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  EXPECT_FALSE(S3Client::parse_list("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", "").ok());
  auto broken = S3Client::parse_list("<ListBucketResult><Contents>", "");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kParse);
}

TEST(S3Errors, CodesMapToCategories) {
  S3Config config;
  config.bucket = "bkt";
  config.region = "us-east-1";
  S3Client client(config);
  http::Response r;
  r.status = 404;
  r.body = "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>";
  auto e = client.parse_error(r);
  EXPECT_EQ(e.category, ErrorCode::kNotFound);
  EXPECT_NE(e.message.find("'bkt'"), std::string::npos);
  r.status = 403;
  r.body = "<Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error>";
  EXPECT_EQ(client.parse_error(r).category, ErrorCode::kPermissionDenied);
  r.status = 416;
  r.body = "<Error><Code>InvalidRange</Code><ActualObjectSize>22</ActualObjectSize></Error>";
  EXPECT_EQ(client.parse_error(r).object_size, 22U);
  r.status = 301;
  r.body = "<Error><Code>PermanentRedirect</Code><Message>wrong endpoint</Message></Error>";
  r.headers.push_back({"x-amz-bucket-region", "eu-west-1"});
  EXPECT_NE(client.parse_error(r).message.find("set region=eu-west-1"), std::string::npos);
}

TEST(AzureList, ParsesBlobsMarkersAndEncodedNames) {
  const char* body = R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="c">
  <Prefix>p/</Prefix><MaxResults>2</MaxResults>
  <Blobs>
    <Blob><Name>p/a b.tif</Name><Properties><Creation-Time>Mon, 01 Jan 2024 00:00:00 GMT</Creation-Time>
      <Last-Modified>Tue, 24 Nov 2026 07:51:55 GMT</Last-Modified><Etag>0x8DC1234567890AB</Etag>
      <Content-Length>1000</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>
    <Blob><Name Encoded="true">p/%01odd</Name><Properties><Last-Modified>Tue, 24 Nov 2026 07:51:55 GMT</Last-Modified>
      <Etag>"0x1"</Etag><Content-Length>5</Content-Length></Properties></Blob>
  </Blobs>
  <NextMarker>p/zz</NextMarker>
</EnumerationResults>)";
  auto page = AzureClient::parse_list(body, "p/");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2U);
  EXPECT_EQ(page->objects[0].key, "a b.tif");
  EXPECT_EQ(page->objects[0].size, 1000U);
  EXPECT_EQ(page->objects[0].etag, "0x8DC1234567890AB");
  EXPECT_TRUE(page->objects[0].last_modified_us.has_value());
  EXPECT_EQ(page->objects[1].key, "\x01odd");
  EXPECT_EQ(page->objects[1].etag, "0x1");
  EXPECT_EQ(page->next_token, "p/zz");
  auto last = AzureClient::parse_list("<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>", "");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->next_token.empty());
}

TEST(GcsList, ParsesItemsWithStringSizesAndPageTokens) {
  const char* body = R"({"kind":"storage#objects","nextPageToken":"CgRhL2Iv",
    "items":[{"name":"r/a.tif","size":"1234","updated":"2024-05-01T12:34:56.789Z","etag":"CJ+Ygf2Z4/4CEAE="},
             {"name":"r/b.tif","size":"0","updated":"2024-05-01T12:34:56Z","etag":"e"}]})";
  auto page = GcsClient::parse_list(body, "r/");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2U);
  EXPECT_EQ(page->objects[0].key, "a.tif");
  EXPECT_EQ(page->objects[0].size, 1234U);
  EXPECT_EQ(page->objects[0].etag, "CJ+Ygf2Z4/4CEAE=");
  EXPECT_EQ(page->next_token, "CgRhL2Iv");
  auto empty = GcsClient::parse_list(R"({"kind":"storage#objects"})", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->objects.empty());
  EXPECT_FALSE(GcsClient::parse_list("[1,2]", "").ok());

  http::Response r;
  r.status = 404;
  r.body = R"({"error":{"code":404,"message":"No such object: b/k","errors":[{"reason":"notFound"}]}})";
  auto e = GcsClient::parse_json_error(r);
  EXPECT_EQ(e.code, "notFound");
  EXPECT_EQ(e.message, "No such object: b/k");
}

TEST(WebDav, MultistatusEntriesOfOneDirectory) {
  // The shape nginx's dav-ext module answers with (hrefs percent-encoded, directories end in '/').
  const char* body = R"(<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:">
<D:response><D:href>/data/sub%20dir/</D:href><D:propstat><D:prop><D:displayname>sub dir</D:displayname>
  <D:getlastmodified>Tue, 24 Nov 2026 07:51:55 GMT</D:getlastmodified><D:resourcetype><D:collection/></D:resourcetype>
  </D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/data/sub%20dir/a%2Bb.tif</D:href><D:propstat><D:prop><D:getcontentlength>42</D:getcontentlength>
  <D:getlastmodified>Tue, 24 Nov 2026 07:51:55 GMT</D:getlastmodified><D:resourcetype/></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>http://127.0.0.1:8080/data/sub%20dir/inner/</D:href><D:propstat><D:prop>
  <D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/elsewhere/x</D:href><D:propstat><D:prop><D:getcontentlength>1</D:getcontentlength></D:prop>
  <D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
</D:multistatus>)";
  auto listing = parse_multistatus(body, "/data/sub dir/");
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  const auto* entries = &listing->entries;
  ASSERT_EQ(entries->size(), 2U);
  EXPECT_EQ((*entries)[0].name, "a+b.tif");
  EXPECT_FALSE((*entries)[0].is_dir);
  EXPECT_EQ((*entries)[0].meta.size, 42U);
  EXPECT_TRUE((*entries)[0].meta.last_modified_us.has_value());
  EXPECT_EQ((*entries)[1].name, "inner");
  EXPECT_TRUE((*entries)[1].is_dir);
  EXPECT_FALSE(parse_multistatus("<html>not dav</html>", "/").ok());
}

}  // namespace
}  // namespace tdump::store

namespace tdump::store {
namespace {

TEST(S3Requests, HeadersSignedWithTokenAndRequesterPays) {
  S3Config config;
  config.bucket = "bkt";
  config.region = "us-east-1";
  config.origin = "https://s3.us-east-1.amazonaws.com";
  config.host = "s3.us-east-1.amazonaws.com";
  config.base_path = "/bkt";
  config.request_payer = true;
  const AwsCredential credential{"AKID", "SECRET", "SESSIONTOKEN"};
  S3Client client(config);
  auto request = client.read("a b/c+d.tif", {100, 16}, &credential);
  EXPECT_EQ(request.url, "https://s3.us-east-1.amazonaws.com/bkt/a%20b/c%2Bd.tif");
  std::map<std::string, std::string> headers;
  for (const auto& h : request.headers) headers[h.name] = h.value;
  EXPECT_EQ(headers["range"], "bytes=100-115");
  EXPECT_EQ(headers["x-amz-request-payer"], "requester");
  EXPECT_EQ(headers["x-amz-security-token"], "SESSIONTOKEN");
  EXPECT_EQ(headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
  EXPECT_NE(headers["authorization"].find(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-request-payer;x-amz-security-token,"),
            std::string::npos);
  EXPECT_EQ(headers["authorization"].find("SECRET"), std::string::npos);

  PageRequest page;
  page.prefix = "p/";
  page.page_size = 5;
  page.token = "tok/+=";
  auto list = client.list(page, &credential);
  EXPECT_EQ(list.url,
            "https://s3.us-east-1.amazonaws.com/bkt?continuation-token=tok%2F%2B%3D&encoding-type=url&list-type=2&"
            "max-keys=5&prefix=p%2F");

  // Anonymous: no signature headers at all.
  for (const auto& h : client.read("k", {0, 1}, nullptr).headers) {
    EXPECT_NE(h.name, "authorization");
    EXPECT_NE(h.name, "x-amz-date");
  }
}

}  // namespace
}  // namespace tdump::store
