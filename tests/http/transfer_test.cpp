// How a transfer turns libcurl's header and body callbacks into a Response, fed the byte
// sequences an HTTP/1.1 server sends (RFC 9112 message syntax).
#include "http/transfer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tdump::http {
namespace {

void feed_header(Transfer& transfer, std::string line) {
  ASSERT_EQ(transfer_write_header(line.data(), 1, line.size(), &transfer), line.size());
}

std::size_t feed_body(Transfer& transfer, std::string chunk) {
  return transfer_write_body(chunk.data(), 1, chunk.size(), &transfer);
}

TEST(Transfer, HeadersAreLowerCasedTrimmedAndFromTheFinalResponseOnly) {
  Transfer transfer(Request{}, nullptr);
  feed_header(transfer, "HTTP/1.1 301 Moved Permanently\r\n");
  feed_header(transfer, "Location: /elsewhere\r\n");
  feed_header(transfer, "\r\n");
  feed_header(transfer, "HTTP/1.1 206 Partial Content\r\n");
  feed_header(transfer, "Content-Range:   bytes 0-9/100 \r\n");
  feed_header(transfer, "ETag: \"abc\"\r\n");
  feed_header(transfer, "X-Amz-Request-Id:\r\n");
  feed_header(transfer, "\r\n");
  const Response& response = transfer.response;
  ASSERT_EQ(response.headers.size(), 3U);
  EXPECT_EQ(response.headers[0].name, "content-range");
  EXPECT_EQ(response.headers[0].value, "bytes 0-9/100");
  EXPECT_EQ(response.headers[2].name, "x-amz-request-id");
  EXPECT_EQ(response.headers[2].value, "");
  EXPECT_EQ(response.header("ETAG"), "\"abc\"");
  EXPECT_EQ(response.header("Content-Range"), "bytes 0-9/100");
  EXPECT_FALSE(response.header("location"));
}

TEST(Transfer, LinesWithoutAFieldNameAreNotHeaders) {
  // Found by fuzz/http_headers: " :" used to become a header with an empty name.
  Transfer transfer(Request{}, nullptr);
  feed_header(transfer, "HTTP/1.1 200 OK\r\n");
  feed_header(transfer, " :\r\n");
  feed_header(transfer, "\t: value\r\n");
  feed_header(transfer, ": value\r\n");
  feed_header(transfer, "ETag: \"abc\"\r\n");
  ASSERT_EQ(transfer.response.headers.size(), 1U);
  EXPECT_EQ(transfer.response.headers[0].name, "etag");
}

TEST(Transfer, BodyReservedFromTheResponsesContentLengthBounded) {
  Transfer transfer(Request{}, nullptr);
  EXPECT_LT(transfer.response.body.capacity(), 16384U);  // nothing held through the round trip
  feed_header(transfer, "HTTP/1.1 206 Partial Content\r\n");
  feed_header(transfer, "Content-Length: 16384\r\n");
  EXPECT_GE(transfer.response.body.capacity(), 16384U);
  // A hostile Content-Length must not become a huge allocation.
  Transfer hostile(Request{}, nullptr);
  feed_header(hostile, "HTTP/1.1 200 OK\r\n");
  feed_header(hostile, "Content-Length: 999999999999999\r\n");
  EXPECT_LE(hostile.response.body.capacity(), std::size_t{64} << 20);
}

TEST(Transfer, ReserveNeverExceedsTheBodyCap) {
  Request request;
  request.max_body_bytes = 1000;
  Transfer transfer(std::move(request), nullptr);
  feed_header(transfer, "HTTP/1.1 200 OK\r\n");
  feed_header(transfer, "Content-Length: 1073741824\r\n");
  EXPECT_GE(transfer.response.body.capacity(), 1000U);
  EXPECT_LT(transfer.response.body.capacity(), std::size_t{1} << 20);
}

TEST(Transfer, BodyIsCappedExactlyAndTheTransferStopped) {
  Request request;
  request.max_body_bytes = 10;
  Transfer transfer(std::move(request), nullptr);
  EXPECT_EQ(feed_body(transfer, "abcd"), 4U);
  EXPECT_EQ(feed_body(transfer, "efgh"), 4U);
  EXPECT_FALSE(transfer.capped);
  EXPECT_EQ(feed_body(transfer, "ijklmnop"), 0U);  // 0 tells libcurl to stop
  EXPECT_TRUE(transfer.capped);
  EXPECT_EQ(transfer.response.body, "abcdefghij");
}

TEST(Transfer, BodyOfExactlyTheCapIsNotCapped) {
  Request request;
  request.max_body_bytes = 8;
  Transfer transfer(std::move(request), nullptr);
  EXPECT_EQ(feed_body(transfer, "abcdefgh"), 8U);
  EXPECT_FALSE(transfer.capped);
}

TEST(Transfer, NewAttemptForgetsThePreviousResponse) {
  Transfer transfer(Request{}, nullptr);
  feed_header(transfer, "HTTP/1.1 503 Slow Down\r\n");
  feed_header(transfer, "Retry-After: 1\r\n");
  feed_body(transfer, "<Error/>");
  transfer.begin_attempt();
  EXPECT_TRUE(transfer.response.headers.empty());
  EXPECT_TRUE(transfer.response.body.empty());
}

std::vector<std::string> lines_of(const curl_slist* list) {
  std::vector<std::string> out;
  for (; list != nullptr; list = list->next) out.emplace_back(list->data);
  return out;
}

TEST(Transfer, HeaderListUsesCurlSpellingForEmptyValuesAndSuppressesDefaults) {
  Request request;
  request.method = "PUT";
  request.body = "payload";
  request.headers = {{"Range", "bytes=0-9"}, {"x-amz-empty", ""}};
  Transfer transfer(std::move(request), nullptr);
  // "Name;" sends an empty header; "Expect:" and "Content-Type:" remove libcurl's own.
  EXPECT_EQ(lines_of(transfer.header_list()),
            (std::vector<std::string>{"Range: bytes=0-9", "x-amz-empty;", "Expect:", "Content-Type:"}));

  Request with_type;
  with_type.body = "{}";
  with_type.headers = {{"content-TYPE", "application/json"}};
  Transfer typed(std::move(with_type), nullptr);
  EXPECT_EQ(lines_of(typed.header_list()), (std::vector<std::string>{"content-TYPE: application/json", "Expect:"}));
}

}  // namespace
}  // namespace tdump::http
