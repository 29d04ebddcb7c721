#pragma once
// What every HTTP-backed store does with a response: turn a ranged GET's 206 / 200 / 416 into
// a RangeRead, and an error status into an Error that names the request (without secrets),
// the status, the attempts and the server's own error code.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "http/engine.hpp"
#include "store/object_store.hpp"

namespace tdump::store {

// What a backend reads from an error body (S3/Azure XML, GCS JSON).
struct RemoteError {
  std::string code;                          // "NoSuchKey", "AuthorizationFailure", "notFound"
  std::string message;                       // the server's human message
  std::optional<std::uint64_t> object_size;  // S3's 416 body carries <ActualObjectSize>
  std::optional<ErrorCode> category;         // overrides the status-based category
};
using RemoteErrorParser = std::function<RemoteError(const http::Response&)>;

// "bytes=FIRST-LAST" for a range (a zero-length range asks for one byte; the reader trims it).
std::string range_header_value(ByteRange range);

// Body cap for a ranged GET: a server that ignores Range sends the object from byte 0, so at
// most offset + length bytes are worth reading (never less than 64 KiB: error bodies fit).
std::size_t range_body_cap(ByteRange range);

// Error for a non-success response. `request` is e.g. "GET https://host/bucket/key" and must
// already be free of credentials. Everything the server wrote (the parser's code and message)
// goes through server_text() with `secrets` (store/common/server_text.hpp: the values the
// request carried, request_secrets()), so it is bounded, has no control characters and
// echoes no credential. A redirect (3xx with a Location) is an error naming only the target's
// origin: object stores never follow one (docs/store.md "Redirects").
Error error_from_response(const http::Response& response, std::string_view request, const RemoteErrorParser& parser,
                          std::span<const std::string> secrets = {});

// The RangeRead of a ranged GET's response: 206 (Content-Range), 200 (server ignored Range:
// slice), 416 (past the end: empty with object_size), anything else -> error_from_response.
Result<RangeRead> range_read_from_response(http::Response response, ByteRange range, std::string_view request,
                                           const RemoteErrorParser& parser, std::span<const std::string> secrets = {});

// The outcome of a write (PUT, POST upload, DELETE): success for any 2xx, else the transport
// error or error_from_response. `request` is e.g. "PUT s3://bucket/key" (credential-free).
Status write_status(Result<http::Response> response, std::string_view request, const RemoteErrorParser& parser,
                    std::span<const std::string> secrets = {});

// The error for a write to a store opened without credentials.
Error anonymous_write_error(std::string_view request, std::string_view how_anonymous);

// Adds the attempts and request to an engine error (kNetwork after retries...).
Error annotate_transport_error(Error error, std::string_view request);

// Parses "bytes A-B/TOTAL", "bytes A-B/*" or "bytes */TOTAL".
struct ContentRange {
  std::optional<std::uint64_t> first, last, total;
};
std::optional<ContentRange> parse_content_range(std::string_view value);

}  // namespace tdump::store
