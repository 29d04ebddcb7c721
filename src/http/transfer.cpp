#include "http/transfer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "http/url_redaction.hpp"

namespace tdump::http {
namespace {

// Content-Length is untrusted: reserve no more than this from it.
constexpr std::size_t kMaxReserveFromHeader = std::size_t{64} << 20;

bool has_header(const Request& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(),
                     [&](const HeaderField& field) { return ascii_iequals(field.name, name); });
}

// The request's header lines for CURLOPT_HTTPHEADER, in two allocations whatever their number
// (curl_slist_append makes two per line): the lines NUL-separated in `text`, and list nodes
// pointing into it. libcurl only reads the list; it lives as long as the Transfer.
void build_header_list(const Request& request, std::string_view user_agent, std::string& text,
                       std::vector<curl_slist>& nodes) {
  std::size_t lines = request.headers.size();
  std::size_t bytes = 0;
  for (const auto& field : request.headers) bytes += field.name.size() + 2 + field.value.size() + 1;
  const bool add_agent = !user_agent.empty() && !has_header(request, "user-agent");
  constexpr std::string_view kAgent = "User-Agent: ";
  if (add_agent) {
    ++lines;
    bytes += kAgent.size() + user_agent.size() + 1;
  }
  const bool with_body = !request.body.empty();
  const bool add_content_type = with_body && !has_header(request, "content-type");
  if (with_body) {
    // No "Expect: 100-continue" round trip, and no form content type the caller did not ask for.
    lines += add_content_type ? 2 : 1;
    bytes += sizeof "Expect:" + sizeof "Content-Type:";
  }
  if (lines == 0) return;
  text.reserve(bytes);
  // Exactly one NUL per line: a line is cut at a NUL it holds, as a C string would be.
  auto line = [&text](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
    const std::size_t begin = text.size();
    text.append(a).append(b).append(c);
    if (const auto nul = text.find('\0', begin); nul != std::string::npos) text.resize(nul);
    text.push_back('\0');
  };
  for (const auto& field : request.headers) {
    // "Name;" is libcurl's spelling of a header sent with an empty value ("Name:" would remove it).
    if (field.value.empty()) {
      line(field.name, ";");
    } else {
      line(field.name, ": ", field.value);
    }
  }
  if (add_agent) line(kAgent, user_agent);
  if (with_body) {
    line("Expect:");
    if (add_content_type) line("Content-Type:");
  }
  // Pointers are taken once the text is complete (it no longer moves): one node per line.
  nodes.resize(lines);
  char* start = text.data();
  for (std::size_t i = 0; i < lines; ++i) {
    nodes[i].data = start;
    nodes[i].next = i + 1 < lines ? &nodes[i + 1] : nullptr;
    start += std::char_traits<char>::length(start) + 1;
  }
}

void trim(std::string_view& text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
}

}  // namespace

Transfer::Transfer(Request request_in, Engine::Callback callback_in, std::string_view user_agent)
    : request(std::move(request_in)),
      callback(std::move(callback_in)),
      display_url(take_display_url(request)),
      user_agent_(user_agent) {
  // Nothing for the response is reserved here: a buffer taken with the request would sit cold
  // through the round trip (256 in flight hold 4 MiB of 16 KiB bodies), while one taken when the
  // response arrives mostly reuses the block the previous response freed moments before, still
  // in cache (bench/dump: 1-2.4 us less CPU per header). See transfer_write_header.
}

Transfer::~Transfer() = default;

curl_slist* Transfer::header_list() {
  if (!header_list_built_) {
    build_header_list(request, user_agent_, header_text_, header_nodes_);
    header_list_built_ = true;
  }
  return header_nodes_.empty() ? nullptr : header_nodes_.data();
}

void Transfer::begin_attempt() {
  response.status = 0;
  response.headers.clear();
  response.body.clear();
  response.body_capped = false;
  response.http_version = 0;
  capped = false;
  responding = false;
  headers_ended = false;
}

std::size_t transfer_write_body(char* data, std::size_t size, std::size_t count, void* userdata) {
  auto* transfer = static_cast<Transfer*>(userdata);
  const std::size_t n = size * count;
  std::string& body = transfer->response.body;
  const std::size_t limit = transfer->request.max_body_bytes;
  if (limit != 0 && body.size() + n > limit) {
    // Keep exactly `limit` bytes and stop the transfer; the loop reports it as body_capped.
    body.append(data, limit - body.size());
    transfer->capped = true;
    return 0;
  }
  body.append(data, n);
  return n;
}

std::size_t transfer_write_header(char* data, std::size_t size, std::size_t count, void* userdata) {
  auto* transfer = static_cast<Transfer*>(userdata);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line: an interim 1xx came first; keep only the final headers.
    transfer->response.headers.clear();
    // Object stores send 8 to 15 headers: one allocation instead of the vector doubling its way
    // up. 12 fields are 768 bytes: under glibc's 1 KiB line, past which a malloc first
    // consolidates the fast bins (a 16-field reservation did that on every request).
    transfer->response.headers.reserve(12);
    transfer->responding = true;
    transfer->headers_ended = false;
    return n;
  }
  if (line == "\r\n" || line == "\n") {
    transfer->headers_ended = true;  // (an interim response's too; its successor resets it)
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;  // blank line or obsolete folding
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  trim(name);
  trim(value);
  if (name.empty()) return n;  // " : x" names nothing (fuzz/http_headers): not a field
  transfer_add_header(transfer, name, value);
  return n;
}

void transfer_add_header(Transfer* transfer, std::string_view name, std::string_view value) {
  // Built in place; ASCII lower-casing inline (std::tolower is a locale-aware libc call per byte).
  HeaderField& field = transfer->response.headers.emplace_back();
  field.name.resize(name.size());
  std::transform(name.begin(), name.end(), field.name.begin(), ascii_lower);
  field.value.assign(value);
  if (field.name == "content-length") {
    std::uint64_t length = 0;
    const auto parsed = std::from_chars(value.data(), value.data() + value.size(), length);
    if (parsed.ec == std::errc{}) {
      std::uint64_t bound = kMaxReserveFromHeader;
      if (transfer->request.max_body_bytes != 0)
        bound = std::min<std::uint64_t>(bound, transfer->request.max_body_bytes);
      auto& body = transfer->response.body;
      const auto wanted = static_cast<std::size_t>(std::min(length, bound));
      if (body.capacity() < wanted) body.reserve(wanted);
    }
  }
}

}  // namespace tdump::http
