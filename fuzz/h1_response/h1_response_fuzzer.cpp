// libFuzzer target: H1ResponseReader (http/h1_response.hpp), the HTTP/1.1 response framer of the
// plain HTTP/1.1 path, fed anything. The first input byte is a control byte: bit 0 says the
// request was HEAD, bits 1-3 choose how the rest is cut into pieces, bits 4-7 where a capping sink
// stops the body. The rest is the byte stream from the server, which then closes it.
//   - read in one piece and in pieces, the sink sees the same status line, header lines and
//     concatenated body, and the reader ends in the same state (before and after end_of_stream);
//   - a feed never uses more than it was given, uses nothing once the response is done or failed,
//     and uses less only then;
//   - end_of_stream() leaves the response done or failed, never both; a failure has a reason;
//     keep-alive only when done; the status line reaches the sink once, before any header line,
//     and only a final one (status 200 and up, HTTP/1.0 or 1.1);
//   - with a valid Content-Length and no Transfer-Encoding among the header lines passed on, the
//     body never exceeds it (and is exactly it once done); after HEAD, 204 or 304 there is none;
//   - a sink that stops the body gets a prefix of the whole body, and the response is then done
//     and not kept alive;
//   - reset() makes a used reader read the input exactly as a new one.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/fuzz_support.hpp"
#include "http/h1_response.hpp"

namespace {

using tdump::fuzz::check;
using tdump::http::H1ResponseReader;

struct Seen {
  int status_lines = 0;
  std::string status_line;
  std::vector<std::string> headers;
  std::string body;
  bool stopped = false;

  bool operator==(const Seen&) const = default;
};

struct Final {
  bool done = false;
  bool failed = false;
  H1ResponseReader::Failure failure = H1ResponseReader::Failure::kNone;
  std::string reason;
  bool started = false;
  bool has_status = false;
  int status = 0;
  int version = 0;
  bool keep_alive = false;
  std::uint64_t remaining = 0;

  bool operator==(const Final&) const = default;
};

Final final_of(const H1ResponseReader& reader) {
  return {reader.done(),       reader.failed(), reader.failure(), reader.failure_reason(), reader.started(),
          reader.has_status(), reader.status(), reader.version(), reader.keep_alive(),     reader.remaining()};
}

class Sink : public tdump::http::H1ResponseSink {
 public:
  Sink(Seen& seen, std::size_t stop_after) : seen_(seen), stop_after_(stop_after) {}
  void on_status_line(std::string_view line) override {
    check(seen_.status_lines == 0, "a second final status line");
    check(line.ends_with('\n'), "a status line without its line end");
    ++seen_.status_lines;
    seen_.status_line = line;
  }
  void on_header_line(std::string_view line, std::string_view name, std::string_view value) override {
    check(seen_.status_lines == 1, "a header line before the status line");
    // Name and value are views into the line: the name opens it, the value lies after its colon.
    check(!name.empty() && line.starts_with(name) && line[name.size()] == ':', "a name that does not open the line");
    check(value.empty() ||
              (value.data() > line.data() + name.size() && value.data() + value.size() <= line.data() + line.size()),
          "a value outside its line");
    check(
        value.empty() || (value.front() != ' ' && value.front() != '\t' && value.back() != ' ' && value.back() != '\t'),
        "a value with its surrounding whitespace");
    check(seen_.body.empty(), "a header line after body data");
    check(line.ends_with('\n'), "a header line without its line end");
    check(line.front() != ' ' && line.front() != '\t', "an obs-fold line passed on");
    seen_.headers.emplace_back(line);
  }
  bool on_body(std::string_view data) override {
    check(!seen_.stopped, "body data after the sink stopped it");
    check(seen_.status_lines == 1, "body data before the status line");
    seen_.body += data;
    if (seen_.body.size() >= stop_after_) seen_.stopped = true;
    return !seen_.stopped;
  }

 private:
  Seen& seen_;
  std::size_t stop_after_;
};

struct Run {
  Seen seen;
  Final before_end;  // after the last feed
  Final after_end;   // after end_of_stream()
  std::size_t consumed = 0;
};

// Piece sizes for one of 8 patterns: whole, byte by byte, fixed sizes, and pseudo-random ones
// (0 to 17 bytes, empty pieces included) from a generator seeded by the pattern and the size.
std::vector<std::size_t> pieces_of(std::size_t size, unsigned pattern) {
  constexpr std::array<std::size_t, 4> kFixed = {1, 2, 3, 64};
  std::vector<std::size_t> pieces;
  if (pattern == 0) return {size};
  std::uint32_t state = 0x9e3779b9U ^ (pattern * 0x85ebca6bU) ^ static_cast<std::uint32_t>(size);
  for (std::size_t left = size; left > 0;) {
    std::size_t piece = 0;
    if (pattern <= kFixed.size()) {
      piece = kFixed[pattern - 1];
    } else {
      state = state * 1664525U + 1013904223U;
      piece = (state >> 16) % 18;
    }
    piece = std::min(piece, left);
    pieces.push_back(piece);
    left -= piece;
  }
  return pieces;
}

Run run(H1ResponseReader& reader, std::string_view text, const std::vector<std::size_t>& pieces, bool head,
        std::size_t stop_after = std::numeric_limits<std::size_t>::max()) {
  Run result;
  Sink sink(result.seen, stop_after);
  reader.reset(head);
  check(final_of(reader) == Final{}, "reset() left state behind");
  std::size_t at = 0;
  for (const std::size_t size : pieces) {
    // A copy the size of the piece, so ASan sees any read past it or any view kept of it.
    const std::string piece(text.substr(at, size));
    at += size;
    const bool over = reader.done() || reader.failed();
    const bool stopped_before = result.seen.stopped;
    const std::size_t used = reader.feed(piece, sink);
    check(used <= piece.size(), "feed used more bytes than it was given");
    check(!over || used == 0, "feed used bytes after the response was done or failed");
    check(used == piece.size() || reader.done() || reader.failed(), "feed used less without being done or failed");
    if (result.seen.stopped && !stopped_before) {
      check(reader.done() && !reader.keep_alive(), "a stopped body left the response open or kept alive");
    }
    result.consumed += used;
  }
  check(result.consumed <= text.size(), "more bytes used than the input holds");
  result.before_end = final_of(reader);
  reader.end_of_stream();
  result.after_end = final_of(reader);
  Seen after;
  Sink probe(after, std::numeric_limits<std::size_t>::max());
  check(reader.feed("HTTP/1.1 200 OK\r\n\r\n", probe) == 0, "feed used bytes after end_of_stream");
  return result;
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool name_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (lower(line[i]) != name[i]) return false;
  }
  return true;
}

// Calls `each` with every non-empty element of the comma-separated value of a field line.
template <typename F>
void for_each_element(std::string_view line, std::size_t name_size, F each) {
  std::string_view value = line.substr(name_size + 1);
  while (!value.empty()) {
    const auto comma = value.find(',');
    std::string_view element = value.substr(0, comma);
    while (!element.empty() && blank(element.front())) element.remove_prefix(1);
    while (!element.empty() && blank(element.back())) element.remove_suffix(1);
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

bool iequals(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

// What the header lines passed on say about framing and persistence.
struct Fields {
  bool transfer_encoding = false;
  bool content_length_line = false;
  std::int64_t length = -1;   // a valid Content-Length (RFC 9110 section 8.6: 1*DIGIT, a list of
                              // equal values being one), else -1
  bool chunked_last = false;  // chunked is the final transfer coding (section 6.3 item 4)
  bool close = false;         // Connection options (RFC 9112 section 9.3)
  bool keep_alive = false;
};

Fields fields_of(const std::vector<std::string>& headers) {
  Fields f;
  bool valid = true;
  for (const std::string& line : headers) {
    if (name_is(line, "transfer-encoding")) {
      f.transfer_encoding = true;
      for_each_element(line, sizeof("transfer-encoding") - 1,
                       [&](std::string_view coding) { f.chunked_last = iequals(coding, "chunked"); });
    }
    if (name_is(line, "connection")) {
      for_each_element(line, sizeof("connection") - 1, [&](std::string_view option) {
        f.close = f.close || iequals(option, "close");
        f.keep_alive = f.keep_alive || iequals(option, "keep-alive");
      });
    }
    if (!name_is(line, "content-length")) continue;
    f.content_length_line = true;
    for_each_element(line, sizeof("content-length") - 1, [&](std::string_view element) {
      std::int64_t parsed = 0;
      valid = valid && element.size() <= 18;
      for (const char c : element) {
        if (!valid || c < '0' || c > '9') {
          valid = false;
          break;
        }
        parsed = parsed * 10 + (c - '0');
      }
      if (!valid || (f.length >= 0 && parsed != f.length)) {
        valid = false;
        return;
      }
      f.length = parsed;
    });
  }
  if (!valid) f.length = -1;
  return f;
}

Fields check_alone(const Run& r, bool head) {
  const Final& end = r.after_end;
  check(end.done || end.failed, "end_of_stream left the response neither done nor failed");
  check(!(end.done && end.failed), "a response both done and failed");
  check(!end.keep_alive || end.done, "keep-alive without a complete response");
  for (const Final* f : {&r.before_end, &r.after_end}) {
    check(f->failed == (f->failure != H1ResponseReader::Failure::kNone), "failed() disagrees with failure()");
    check(!f->failed || !f->reason.empty(), "a failure without a reason");
    check(!f->keep_alive || !f->failed, "keep-alive after a failure");
    check(!f->done || f->has_status, "done without a final status");
    check(f->has_status == (r.seen.status_lines == 1), "has_status() disagrees with the status lines passed on");
    check(!f->has_status || (f->status >= 200 && f->status <= 999 && (f->version == 10 || f->version == 11)),
          "a final status below 200 or an unknown version");
  }
  const bool no_body = head || end.status == 204 || end.status == 304;
  check(!no_body || r.seen.body.empty(), "a body after HEAD, 204 or 304");
  const Fields fields = fields_of(r.seen.headers);
  // Transfer-Encoding overrides Content-Length (RFC 9112 section 6.3 item 3).
  const std::int64_t length = fields.transfer_encoding ? -1 : fields.length;
  if (length >= 0) {
    check(r.seen.body.size() <= static_cast<std::uint64_t>(length), "a body longer than its Content-Length");
    check(!end.done || r.seen.stopped || no_body || r.seen.body.size() == static_cast<std::uint64_t>(length),
          "a complete body shorter than its Content-Length");
  }
  // Persistence (RFC 9112 section 9.3): never with "close", HTTP/1.0 only with "keep-alive", and
  // only for a self-delimited response (a body the stream's end delimits cannot be followed).
  if (end.keep_alive) {
    check(!fields.close, "kept alive despite Connection: close");
    check(end.version == 11 || fields.keep_alive, "an HTTP/1.0 response kept alive without keep-alive");
    check(!r.seen.stopped, "kept alive after the sink stopped the body");
    check(no_body || fields.chunked_last || length >= 0, "kept alive after a body read to the end of the stream");
    check(!fields.transfer_encoding || !fields.content_length_line,
          "kept alive after a response with both Transfer-Encoding and Content-Length");
    check(end.version == 11 || !fields.transfer_encoding, "an HTTP/1.0 response with Transfer-Encoding kept alive");
  }
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size) {
  if (size == 0) return 0;
  const unsigned control = data[0];
  const bool head = (control & 1U) != 0;
  const unsigned pattern = 1 + ((control >> 1) & 7U) % 7;  // 1..7: never the whole piece again
  const std::size_t stop_after = 1 + (control >> 4);
  const std::string_view text = tdump::fuzz::as_text(data + 1, size - 1);

  H1ResponseReader reader;
  const Run whole = run(reader, text, pieces_of(text.size(), 0), head);
  const Fields fields = check_alone(whole, head);
  // And the other way: a complete self-delimited response with nothing after it, which says
  // nothing against persistence, is kept alive.
  const Final& end = whole.after_end;
  const bool no_body = head || end.status == 204 || end.status == 304;
  if (end.done && whole.consumed == text.size() && !fields.close &&
      !(fields.transfer_encoding && fields.content_length_line) &&
      (end.version == 11 || (fields.keep_alive && !fields.transfer_encoding)) &&
      (no_body || (!fields.transfer_encoding && fields.length >= 0))) {
    check(end.keep_alive, "a complete self-delimited response not kept alive");
  }
  const Run split = run(reader, text, pieces_of(text.size(), pattern), head);
  check_alone(split, head);
  check(split.seen == whole.seen, "the sink saw different calls in pieces than in one piece");
  check(split.before_end == whole.before_end, "a different state in pieces than in one piece");
  check(split.after_end == whole.after_end, "a different state after end_of_stream in pieces");
  check(whole.before_end.failed || split.consumed == whole.consumed, "different bytes used in pieces");

  // The reader was used twice: a new one must read the input the same.
  H1ResponseReader fresh;
  const Run again = run(fresh, text, pieces_of(text.size(), 0), head);
  check(again.seen == whole.seen && again.after_end == whole.after_end && again.consumed == whole.consumed,
        "a reused reader read differently from a new one");

  const Run capped = run(reader, text, pieces_of(text.size(), pattern), head, stop_after);
  check_alone(capped, head);
  check(whole.seen.body.starts_with(capped.seen.body), "a stopped body is not a prefix of the whole body");
  if (capped.seen.stopped) {
    check(capped.after_end.done && !capped.after_end.keep_alive, "a stopped body left the response open");
  } else {
    check(capped.seen == whole.seen && capped.after_end == whole.after_end, "an unstopped capped read differs");
  }
  return 0;
}
