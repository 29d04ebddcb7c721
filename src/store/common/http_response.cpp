#include "store/common/http_response.hpp"

#include <charconv>
#include <limits>

#include "http/redirect.hpp"
#include "store/common/server_text.hpp"

namespace tdump::store {
namespace {

// A request description names a key (up to 64 KiB from a hostile listing): bounded too.
constexpr std::size_t kMaxRequestTextBytes = 4096;

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

ErrorCode category_for_status(int status) {
  if (status == 404 || status == 410) return ErrorCode::kNotFound;
  if (status == 401 || status == 403) return ErrorCode::kPermissionDenied;
  return ErrorCode::kHttp;
}

std::optional<std::uint64_t> content_length(const http::Response& response) {
  auto value = response.header("content-length");
  if (!value) return std::nullopt;
  return parse_u64(*value);
}

}  // namespace

std::string range_header_value(ByteRange range) {
  std::uint64_t last = range.length == 0 ? range.offset : range.offset + range.length - 1;
  return "bytes=" + std::to_string(range.offset) + "-" + std::to_string(last);
}

std::size_t range_body_cap(ByteRange range) {
  // At least 64 KiB, so an error body (S3's 416 XML names the object size) is never cut short.
  constexpr std::uint64_t kMinCap = std::uint64_t{64} * 1024;
  std::uint64_t cap = range.offset + std::max<std::uint64_t>(range.length, 1);
  if (cap < range.offset || cap > std::numeric_limits<std::size_t>::max()) return 0;  // overflow: unlimited
  return static_cast<std::size_t>(std::max(cap, kMinCap));
}

std::optional<ContentRange> parse_content_range(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (value.substr(0, 6) != "bytes ") return std::nullopt;
  value.remove_prefix(6);
  auto slash = value.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ContentRange out;
  std::string_view span = value.substr(0, slash);
  std::string_view total = value.substr(slash + 1);
  if (total != "*") {
    out.total = parse_u64(total);
    if (!out.total) return std::nullopt;
  }
  if (span != "*") {
    auto dash = span.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    out.first = parse_u64(span.substr(0, dash));
    out.last = parse_u64(span.substr(dash + 1));
    if (!out.first || !out.last || *out.last < *out.first) return std::nullopt;
    // RFC 9110 section 14.4: invalid when the complete length is not greater than the last
    // position (fuzz/http_headers: "bytes 4-350/24" gave an object smaller than its bytes).
    if (out.total && *out.total <= *out.last) return std::nullopt;
  } else if (!out.total) {
    return std::nullopt;  // "*/*" says nothing: an unsatisfied range needs the complete length
  }
  return out;
}

Error error_from_response(const http::Response& response, std::string_view request, const RemoteErrorParser& parser,
                          std::span<const std::string> secrets) {
  RemoteError remote;
  if (parser) remote = parser(response);
  Error error;
  error.code = remote.category.value_or(category_for_status(response.status));
  error.http_status = response.status;
  error.attempts = response.attempts;
  if (!remote.code.empty()) error.remote_code = server_text(remote.code, secrets, kServerCodeMaxBytes);
  // The request names a key, and keys come from listings: escaped too, never truncated to nothing.
  error.message = server_text(request, {}, kMaxRequestTextBytes) + ": ";
  if (!remote.message.empty()) {
    error.message += server_text(remote.message, secrets);
  } else if (response.status == 404) {
    error.message += "not found";
  } else if (response.status == 401 || response.status == 403) {
    error.message += "access denied";
  } else {
    error.message += "the server answered " + std::to_string(response.status);
  }
  if (response.status >= 300 && response.status < 400) {
    if (auto location = response.header("location")) {
      auto target = http::resolve_redirect(response.effective_url, *location);
      error.message += remote.message.empty() ? ", " : "; ";
      error.message += "a redirect to ";
      error.message += target ? server_text(target->origin, secrets, kServerCodeMaxBytes) : "an unusable location";
      error.message += ", which is not followed (a store's requests never leave its configured endpoint)";
    }
  }
  return error;
}

Status write_status(Result<http::Response> response, std::string_view request, const RemoteErrorParser& parser,
                    std::span<const std::string> secrets) {
  if (!response) return annotate_transport_error(std::move(response).error(), request);
  if (response->status >= 200 && response->status < 300) return {};
  return error_from_response(*response, request, parser, secrets);
}

Error anonymous_write_error(std::string_view request, std::string_view how_anonymous) {
  return make_error(ErrorCode::kInvalidArgument, std::string(request) +
                                                     ": writing needs credentials, and this store is anonymous (" +
                                                     std::string(how_anonymous) + ")");
}

Error annotate_transport_error(Error error, std::string_view request) {
  if (error.message.find(request) == std::string::npos) error.message = std::string(request) + ": " + error.message;
  return error;
}

Result<RangeRead> range_read_from_response(http::Response response, ByteRange range, std::string_view request,
                                           const RemoteErrorParser& parser, std::span<const std::string> secrets) {
  RangeRead out;
  out.offset = range.offset;
  out.attempts = response.attempts;
  if (response.status == 416) {
    std::optional<std::uint64_t> size;
    if (auto header = response.header("content-range")) {
      if (auto parsed = parse_content_range(*header)) size = parsed->total;
    }
    if (!size && parser) size = parser(response).object_size;
    out.object_size = size;
    return out;
  }
  if (response.status == 206) {
    auto header = response.header("content-range");
    auto parsed = header ? parse_content_range(*header) : std::nullopt;
    if (!parsed && header && response.body.empty()) {
      // Azurite answers a range that starts at the end of a blob with an empty 206 and an
      // empty span ("bytes 10-9/10"; "bytes 0--1/0" for an empty blob) where Azure answers 416:
      // the same past-the-end read when its complete length says the range starts there.
      const auto slash = header->rfind('/');
      const auto total = slash == std::string_view::npos ? std::nullopt : parse_u64(header->substr(slash + 1));
      if (total && range.offset >= *total) {
        out.object_size = total;
        return out;
      }
    }
    if (!parsed || !parsed->first) {
      Error error =
          make_error(ErrorCode::kParse, std::string(request) + ": 206 response without a usable Content-Range");
      error.http_status = 206;
      error.attempts = response.attempts;
      return error;
    }
    out.object_size = parsed->total;
    std::uint64_t first = *parsed->first;
    std::uint64_t span = *parsed->last - first + 1;
    if (first > range.offset || response.body.size() != span) {
      Error error = make_error(ErrorCode::kNetwork,
                               std::string(request) + ": got bytes " + std::to_string(first) + "-" +
                                   std::to_string(*parsed->last) + " with " + std::to_string(response.body.size()) +
                                   " body bytes for a request from " + std::to_string(range.offset));
      error.http_status = 206;
      error.attempts = response.attempts;
      return error;
    }
    std::uint64_t skip = range.offset - first;
    std::uint64_t take = std::min<std::uint64_t>(range.length, span > skip ? span - skip : 0);
    if (skip == 0 && take == response.body.size()) {
      out.bytes = std::move(response.body);
    } else {
      out.bytes = response.body.substr(static_cast<std::size_t>(std::min<std::uint64_t>(skip, span)),
                                       static_cast<std::size_t>(take));
    }
    return out;
  }
  if (response.status == 200) {  // Range ignored: the body starts at byte 0
    if (!response.body_capped) {
      out.object_size = response.body.size();
    } else {
      out.object_size = content_length(response);
      // A Content-Length shorter than the bytes already received is false (fuzz/http_headers):
      // the size is unknown rather than smaller than what is handed out.
      if (out.object_size && *out.object_size < response.body.size()) out.object_size.reset();
    }
    std::uint64_t size = response.body.size();
    if (range.offset < size) {
      std::uint64_t take = std::min<std::uint64_t>(range.length, size - range.offset);
      out.bytes = response.body.substr(static_cast<std::size_t>(range.offset), static_cast<std::size_t>(take));
    }
    return out;
  }
  return error_from_response(response, request, parser, secrets);
}

}  // namespace tdump::store
