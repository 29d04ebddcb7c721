// libFuzzer target: a whole HTTP response as the engine receives it and the stores read it. The
// input is a raw response (status line, header lines, a blank line, then the body); the seeds are
// real answers to ranged GETs and error requests from moto_server, Azurite, nginx and our GCS
// test server (fuzz/make_seeds.py).
//   - header lines go through the engine's libcurl header callback (http/transfer.hpp
//     transfer_write_header: names lower-cased, values trimmed, Content-Length reservation) and
//     the body through its write callback with the body cap of a ranged GET;
//   - Content-Range through parse_content_range and the whole response through
//     range_read_from_response (store/common/http_response.hpp), whose bytes must be exactly the
//     requested slice of the body;
//   - Retry-After through parse_retry_after (http/retry_policy.hpp); Date and Last-Modified
//     through parse_rfc1123_us (store/common/time_format.hpp).
#include <algorithm>
#include <chrono>

#include "common/fuzz_support.hpp"
#include "http/retry_policy.hpp"
#include "http/transfer.hpp"
#include "store/common/http_response.hpp"
#include "store/common/time_format.hpp"

namespace {

using tdump::fuzz::check;
using namespace tdump;

// The status of "HTTP/1.1 206 Partial Content" (libcurl reads it; here a stand-in), 206 if none.
int status_of(std::string_view line) {
  const auto space = line.find(' ');
  if (!line.starts_with("HTTP/") || space == std::string_view::npos || line.size() < space + 4) return 206;
  int status = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') return 206;
    status = status * 10 + (line[i] - '0');
  }
  return status;
}

// What a ranged read must return: the bytes of `range` from a body that starts at byte `first`.
std::string expected_slice(std::string_view body, std::uint64_t first, store::ByteRange range) {
  if (range.offset < first) return {};
  const std::uint64_t skip = range.offset - first;
  if (skip >= body.size()) return {};
  return std::string(body.substr(static_cast<std::size_t>(skip),
                                 static_cast<std::size_t>(std::min<std::uint64_t>(range.length, body.size() - skip))));
}

void check_range_read(const http::Response& response, store::ByteRange range) {
  const std::string request = "GET https://host/bkt/key";
  auto read = store::range_read_from_response(response, range, request, nullptr);
  if (!read) {
    check(read.error().message.starts_with(request), "a failed ranged read does not name the request");
    return;
  }
  check(read->offset == range.offset && read->bytes.size() <= range.length, "a ranged read returned too much");
  check(read->bytes.empty() || !read->object_size || read->offset + read->bytes.size() <= *read->object_size,
        "a ranged read returned bytes past the object size it reports");
  if (response.status == 206) {
    auto content_range = store::parse_content_range(*response.header("content-range"));
    if (!content_range) {
      // Only an empty 206 whose complete length ends before the range (Azurite's past-the-end
      // answer) is read without a valid Content-Range: as nothing, with that length.
      check(response.body.empty() && read->bytes.empty() && read->object_size && *read->object_size <= range.offset,
            "a 206 without a valid Content-Range gave a read other than past the end");
      return;
    }
    check(read->bytes == expected_slice(response.body, *content_range->first, range),
          "a 206 read is not the requested slice of the body");
  } else if (response.status == 200) {
    check(read->bytes == expected_slice(response.body, 0, range), "a 200 read is not the requested slice");
  } else {
    check(response.status == 416 && read->bytes.empty(), "only 206, 200 and 416 give a ranged read");
  }
}

void check_content_range(std::string_view value) {
  auto parsed = store::parse_content_range(value);
  if (!parsed) return;
  check(parsed->first.has_value() == parsed->last.has_value(), "a Content-Range with only one end");
  check(!parsed->first || *parsed->first <= *parsed->last, "a Content-Range that ends before it starts");
  check(parsed->first || parsed->total, "a Content-Range with neither a span nor a total");
  // RFC 9110 section 14.4: the complete length must be greater than the last position.
  check(!parsed->last || !parsed->total || *parsed->last < *parsed->total, "a Content-Range ending past its total");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  std::string_view input = tdump::fuzz::as_text(data, size);
  std::string_view head = input;
  std::string_view body;
  if (auto end = input.find("\r\n\r\n"); end != std::string_view::npos) {
    head = input.substr(0, end + 2);
    body = input.substr(end + 4);
  } else if (auto lf = input.find("\n\n"); lf != std::string_view::npos) {
    head = input.substr(0, lf + 1);
    body = input.substr(lf + 2);
  }
  // The request a ranged GET makes: at a small offset, so the body cap stays at its 64 KiB floor.
  const store::ByteRange range{size % 13, 1 + size % 4099};
  http::Request request;
  request.url = "https://host/bkt/key";
  request.max_body_bytes = store::range_body_cap(range);
  http::Transfer transfer(std::move(request), nullptr);
  transfer.response.status = status_of(head.substr(0, head.find('\n')));
  while (!head.empty()) {
    const auto nl = head.find('\n');
    std::string line(head.substr(0, nl == std::string_view::npos ? head.size() : nl + 1));
    head.remove_prefix(line.size());
    check(http::transfer_write_header(line.data(), 1, line.size(), &transfer) == line.size(),
          "the header callback did not take the whole line");
  }
  for (const auto& field : transfer.response.headers) {
    check(!field.name.empty() &&
              std::none_of(field.name.begin(), field.name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
          "a header name is empty or not lower-cased");
  }
  check(transfer.response.body.capacity() <= std::max<std::size_t>(transfer.request.max_body_bytes, 64) * 2,
        "Content-Length reserved more than the body cap");
  // The body in chunks of a few sizes, as libcurl hands it over.
  std::size_t chunk = 1 + size % 1500;
  while (!body.empty() && !transfer.capped) {
    std::string piece(body.substr(0, chunk));
    body.remove_prefix(piece.size());
    const std::size_t taken = http::transfer_write_body(piece.data(), 1, piece.size(), &transfer);
    check(taken == piece.size() || transfer.capped, "the body callback refused bytes without capping");
    chunk = chunk * 2 + 1;
  }
  check(transfer.response.body.size() <= transfer.request.max_body_bytes, "the body grew past its cap");
  http::Response& response = transfer.response;
  response.body_capped = transfer.capped;

  if (auto value = response.header("content-range")) check_content_range(*value);
  check_range_read(response, range);
  if (response.status == 200 && !response.body_capped) {
    // The same answer as if its body had reached the cap just there (a 200 to a ranged GET is
    // cut at range_body_cap: the object size then comes from Content-Length).
    response.body_capped = true;
    check_range_read(response, range);
    response.body_capped = false;
  }
  if (auto value = response.header("content-range")) {
    // The read a client makes when it asks for exactly what the server says it sent.
    if (auto parsed = store::parse_content_range(*value);
        parsed && parsed->first && *parsed->last - *parsed->first < 65536) {
      check_range_read(response, store::ByteRange{*parsed->first, *parsed->last - *parsed->first + 1});
    }
  }
  if (auto value = response.header("retry-after")) {
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
    if (auto delay = http::parse_retry_after(*value, now)) {
      check(delay->count() >= 0 && *delay <= std::chrono::hours(24), "a Retry-After delay outside [0, 1 day]");
    }
  }
  for (const char* name : {"date", "last-modified"}) {
    if (auto value = response.header(name)) (void)store::parse_rfc1123_us(*value);
  }
  return 0;
}
