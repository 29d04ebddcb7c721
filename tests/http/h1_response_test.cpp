// H1ResponseReader (http/h1_response.hpp) against the framing rules of RFC 9112 (message syntax
// section 2, status line section 4, field lines section 5, message body length section 6.3,
// chunked coding section 7.1, persistence section 9.3) and RFC 9110 (Content-Length section 8.6,
// interim responses section 15.2). Every expected value comes from those sections.
//
// Every response is read three ways: in one piece, byte by byte, and in random pieces (fixed
// seed); all must give the same sink calls (status line, header lines, concatenated body) and the
// same final state (read() checks it, so each test below checks it too).
#include "http/h1_response.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tdump::http {
namespace {

using Failure = H1ResponseReader::Failure;

// What the sink saw and the reader's state at the end.
struct Outcome {
  int status_line_calls = 0;
  std::string status_line;
  std::vector<std::string> headers;
  std::vector<std::string> fields;  // "name=value" as the reader split them out
  std::string body;
  std::size_t consumed = 0;
  bool done = false;
  bool failed = false;
  Failure failure = Failure::kNone;
  std::string reason;
  int status = 0;
  int version = 0;
  bool keep_alive = false;
  std::uint64_t remaining = 0;

  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {  // NOLINT(readability-identifier-naming): gtest's name
  *os << "{status_line=" << testing::PrintToString(o.status_line) << " x" << o.status_line_calls
      << ", headers=" << testing::PrintToString(o.headers) << ", fields=" << testing::PrintToString(o.fields)
      << ", body=" << testing::PrintToString(o.body) << ", consumed=" << o.consumed << ", done=" << o.done
      << ", failed=" << o.failed << ", failure=" << static_cast<int>(o.failure) << " (" << o.reason
      << "), status=" << o.status << ", version=" << o.version << ", keep_alive=" << o.keep_alive
      << ", remaining=" << o.remaining << "}";
}

class Recorder : public H1ResponseSink {
 public:
  explicit Recorder(Outcome& out, std::size_t stop_after = std::numeric_limits<std::size_t>::max())
      : out_(out), stop_after_(stop_after) {}
  void on_status_line(std::string_view line) override {
    ++out_.status_line_calls;
    out_.status_line = line;
  }
  void on_header_line(std::string_view line, std::string_view name, std::string_view value) override {
    out_.headers.emplace_back(line);
    out_.fields.push_back(std::string(name) + "=" + std::string(value));
  }
  bool on_body(std::string_view data) override {
    out_.body += data;
    return out_.body.size() < stop_after_;
  }

 private:
  Outcome& out_;
  std::size_t stop_after_;
};

struct Options {
  bool head = false;
  bool end_of_stream = false;  // the peer closes the stream after the input
  std::size_t stop_after = std::numeric_limits<std::size_t>::max();
};

// Feeds `input` cut into pieces of the given sizes (every piece, even after the reader is done).
Outcome run(std::string_view input, const std::vector<std::size_t>& pieces, const Options& options) {
  Outcome out;
  Recorder sink(out, options.stop_after);
  H1ResponseReader reader;
  reader.reset(options.head);
  std::size_t at = 0;
  for (const std::size_t size : pieces) {
    const std::string piece(input.substr(at, size));  // a copy: views into it must not outlive a feed
    at += piece.size();
    const bool over = reader.done() || reader.failed();
    const std::size_t used = reader.feed(piece, sink);
    EXPECT_LE(used, piece.size());
    if (over) {
      EXPECT_EQ(used, 0U) << "feed consumed bytes after the response was done or failed";
    }
    out.consumed += used;
  }
  if (options.end_of_stream) reader.end_of_stream();
  out.done = reader.done();
  out.failed = reader.failed();
  out.failure = reader.failure();
  out.reason = reader.failure_reason();
  out.status = reader.status();
  out.version = reader.version();
  out.keep_alive = reader.keep_alive();
  out.remaining = reader.remaining();
  return out;
}

std::vector<std::size_t> byte_by_byte(std::size_t size) {
  return std::vector<std::size_t>(size, 1);
}

std::vector<std::size_t> random_pieces(std::size_t size, std::mt19937& random) {
  std::vector<std::size_t> pieces;
  std::uniform_int_distribution<std::size_t> length(0, std::max<std::size_t>(1, size / 3));
  for (std::size_t left = size; left > 0;) {
    const std::size_t piece = std::min(left, length(random));
    pieces.push_back(piece);  // empty pieces too: feeding nothing must change nothing
    left -= piece;
  }
  return pieces;
}

// On failure how much a feed consumed depends on where the pieces were cut (a too-long line fails
// before its first byte is used in one piece, after its earlier pieces were buffered otherwise).
Outcome comparable(Outcome outcome) {
  if (outcome.failed) outcome.consumed = 0;
  return outcome;
}

// Reads `input` whole, byte by byte and in 8 random splits; all must agree. Returns the whole read.
Outcome read(std::string_view input, const Options& options = {}) {
  Outcome whole = run(input, {input.size()}, options);
  EXPECT_EQ(comparable(run(input, byte_by_byte(input.size()), options)), comparable(whole)) << "byte by byte";
  std::mt19937 random(20261203);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(comparable(run(input, random_pieces(input.size(), random), options)), comparable(whole))
        << "random split " << i;
  }
  return whole;
}

Options eos() {
  return {.end_of_stream = true};
}

Options head() {
  return {.head = true};
}

// --- Content-Length (RFC 9112 section 6.3 item 6, RFC 9110 section 8.6) ---

TEST(H1Response, ContentLengthBody) {
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  const Outcome out = read(input);
  EXPECT_TRUE(out.done);
  EXPECT_FALSE(out.failed);
  EXPECT_EQ(out.status_line_calls, 1);
  EXPECT_EQ(out.status_line, "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(out.headers, (std::vector<std::string>{"Content-Type: text/plain\r\n", "Content-Length: 5\r\n"}));
  EXPECT_EQ(out.fields, (std::vector<std::string>{"Content-Type=text/plain", "Content-Length=5"}));
  EXPECT_EQ(out.body, "hello");
  EXPECT_EQ(out.consumed, input.size());
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.version, 11);
  EXPECT_EQ(out.remaining, 0U);
  // RFC 9112 section 9.3: HTTP/1.1 without "close" persists.
  EXPECT_TRUE(out.keep_alive);
}

TEST(H1Response, ContentLengthZeroIsDoneAtTheEmptyLine) {
  const Outcome out = read("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_TRUE(out.keep_alive);
  EXPECT_EQ(out.body, "");
}

TEST(H1Response, ContentLengthListOfEqualValuesIsOneValue) {
  // RFC 9110 section 8.6: a list of identical decimal values may be taken as that one value.
  Outcome out = read("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "hello");
  EXPECT_TRUE(out.keep_alive);
  // The same with two field lines (RFC 9110 section 5.3: combined into one list).
  out = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "hello");
}

TEST(H1Response, InvalidContentLengthIsMalformed) {
  // RFC 9112 section 6.3 item 5: without Transfer-Encoding, an invalid Content-Length is an
  // unrecoverable error; Content-Length = 1*DIGIT (RFC 9110 section 8.6).
  for (const char* value : {"5, 6", "5a", "abc", "-5", "+5", "0x5", "5 5", "", "99999999999999999999999"}) {
    const Outcome out = read(std::string("HTTP/1.1 200 OK\r\nContent-Length: ") + value + "\r\n\r\nhello");
    EXPECT_TRUE(out.failed) << value;
    EXPECT_EQ(out.failure, Failure::kMalformed) << value;
    EXPECT_FALSE(out.done) << value;
    EXPECT_FALSE(out.keep_alive) << value;
    EXPECT_EQ(out.body, "") << value;
    EXPECT_NE(out.reason, "") << value;
  }
  const Outcome out = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
  EXPECT_EQ(out.failure, Failure::kMalformed);
}

TEST(H1Response, ContentLengthBodyEndsAtItsLengthWhateverFollows) {
  // Bytes past the declared length are not this response's (RFC 9112 section 6.3 item 6); the
  // reader reports what it used, and does not reuse a connection that sent unasked bytes.
  const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
  const Outcome out = read(input);
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "ok");
  EXPECT_EQ(out.consumed, input.size() - 5);
  EXPECT_FALSE(out.keep_alive);
}

// --- chunked (RFC 9112 section 7.1) ---

TEST(H1Response, ChunkedBodyWithExtensionsAndTrailers) {
  // chunk-size [ chunk-ext ] CRLF chunk-data CRLF ...; chunk-ext = *( BWS ";" BWS name [ BWS "="
  // BWS value ] ) (section 7.1.1); hex digits in either case; trailer fields after the last chunk
  // (section 7.1.2) are not part of the data.
  const std::string input =
      "HTTP/1.1 200 OK\r\n"
      "Transfer-Encoding: chunked\r\n"
      "Trailer: Expires\r\n"
      "\r\n"
      "5;name=value\r\n"
      "hello\r\n"
      "7 ; a=\"q;x\" ;b\r\n"
      ", world\r\n"
      "a\r\n"
      "0123456789\r\n"
      "B\r\n"
      "abcdefghijk\r\n"
      "0;last\r\n"
      "Expires: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
      "X-Checksum: 1234\r\n"
      "\r\n";
  const Outcome out = read(input);
  EXPECT_TRUE(out.done);
  EXPECT_FALSE(out.failed);
  EXPECT_EQ(out.body, "hello, world0123456789abcdefghijk");
  EXPECT_EQ(out.headers, (std::vector<std::string>{"Transfer-Encoding: chunked\r\n", "Trailer: Expires\r\n"}));
  EXPECT_EQ(out.consumed, input.size());
  EXPECT_TRUE(out.keep_alive);
}

TEST(H1Response, ChunkedWithoutTrailersAndWithBareLf) {
  // RFC 9112 section 2.2: a recipient may take a bare LF as a line terminator.
  const std::string input = "HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n3\nabc\n000\n\n";
  const Outcome out = read(input);
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "abc");
  EXPECT_EQ(out.status_line, "HTTP/1.1 200 OK\n");
  EXPECT_EQ(out.headers, (std::vector<std::string>{"Transfer-Encoding: Chunked\n"}));
  EXPECT_EQ(out.consumed, input.size());
  EXPECT_TRUE(out.keep_alive);
}

TEST(H1Response, ChunkDataNotFollowedByCrlfIsMalformed) {
  const Outcome out = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n");
  EXPECT_TRUE(out.failed);
  EXPECT_EQ(out.failure, Failure::kMalformed);
  EXPECT_EQ(out.body, "abc");
}

TEST(H1Response, MalformedChunkSizeLines) {
  // chunk-size = 1*HEXDIG (section 7.1): an empty size, a non-hex size or junk after it.
  for (const char* line : {"\r\n", "x\r\n", "5 junk\r\n", "-1\r\n", " 5\r\n", "5=1\r\n"}) {
    const Outcome out =
        read(std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + line + "hello\r\n0\r\n\r\n");
    EXPECT_EQ(out.failure, Failure::kMalformed) << testing::PrintToString(line);
    EXPECT_EQ(out.body, "") << testing::PrintToString(line);
  }
}

TEST(H1Response, FinalCodingNotChunkedIsReadToTheEndOfTheStream) {
  // RFC 9112 section 6.3 item 4: chunked not the final coding -> read until the server closes.
  for (const char* coding : {"gzip", "chunked, gzip", "chunked\r\nTransfer-Encoding: gzip"}) {
    const std::string input = std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: ") + coding + "\r\n\r\n5\r\nhello\r\n";
    Outcome out = read(input);
    EXPECT_FALSE(out.done) << coding;
    EXPECT_FALSE(out.failed) << coding;
    EXPECT_EQ(out.body, "5\r\nhello\r\n") << coding;
    EXPECT_EQ(out.consumed, input.size()) << coding;
    out = read(input, eos());
    EXPECT_TRUE(out.done) << coding;
    EXPECT_FALSE(out.failed) << coding;
    EXPECT_EQ(out.body, "5\r\nhello\r\n") << coding;
    EXPECT_FALSE(out.keep_alive) << coding;
  }
  // And chunked last after another coding is chunked (the data is still gzip, for the caller).
  const Outcome out =
      read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "zz");
  EXPECT_TRUE(out.keep_alive);
}

TEST(H1Response, TransferEncodingOverridesContentLength) {
  // RFC 9112 section 6.3 item 3: Transfer-Encoding overrides Content-Length, and such a message
  // "ought to be handled as an error": the connection is not reused.
  for (const char* fields : {"Content-Length: 100\r\nTransfer-Encoding: chunked\r\n",
                             "Transfer-Encoding: chunked\r\nContent-Length: 1\r\n"}) {
    const std::string input = std::string("HTTP/1.1 200 OK\r\n") + fields + "\r\n3\r\nabc\r\n0\r\n\r\n";
    const Outcome out = read(input);
    EXPECT_TRUE(out.done) << fields;
    EXPECT_EQ(out.body, "abc") << fields;
    EXPECT_EQ(out.consumed, input.size()) << fields;
    EXPECT_FALSE(out.keep_alive) << fields;
  }
}

// --- no declared length (RFC 9112 section 6.3 item 8) ---

TEST(H1Response, NoLengthIsReadToTheEndOfTheStream) {
  const std::string input = "HTTP/1.1 200 OK\r\nServer: test\r\n\r\nabc\r\n\r\ndef";
  Outcome out = read(input);
  EXPECT_FALSE(out.done);
  EXPECT_FALSE(out.failed);
  EXPECT_EQ(out.body, "abc\r\n\r\ndef");
  EXPECT_EQ(out.consumed, input.size());
  out = read(input, eos());
  EXPECT_TRUE(out.done);
  EXPECT_FALSE(out.failed);
  EXPECT_EQ(out.body, "abc\r\n\r\ndef");
  EXPECT_FALSE(out.keep_alive);  // section 9.3: only a self-delimited message can persist
  // An empty body to the end of the stream is a complete response too.
  out = read("HTTP/1.1 200 OK\r\n\r\n", eos());
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "");
  EXPECT_FALSE(out.keep_alive);
}

// --- responses without a body (RFC 9112 section 6.3 item 1) ---

TEST(H1Response, HeadResponseHasNoBodyWhateverItSays) {
  for (const char* fields : {"Content-Length: 1234\r\n", "Transfer-Encoding: chunked\r\n", ""}) {
    const std::string input = std::string("HTTP/1.1 200 OK\r\n") + fields + "\r\n";
    const Outcome out = read(input, head());
    EXPECT_TRUE(out.done) << fields;
    EXPECT_EQ(out.body, "") << fields;
    EXPECT_EQ(out.consumed, input.size()) << fields;
    EXPECT_TRUE(out.keep_alive) << fields;
    EXPECT_EQ(out.remaining, 0U) << fields;
  }
}

TEST(H1Response, Status204And304HaveNoBody) {
  for (const char* status : {"204 No Content", "304 Not Modified"}) {
    const std::string input = std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 1234\r\n\r\n";
    const Outcome out = read(input);
    EXPECT_TRUE(out.done) << status;
    EXPECT_EQ(out.body, "") << status;
    EXPECT_EQ(out.consumed, input.size()) << status;
    EXPECT_TRUE(out.keep_alive) << status;
  }
  const Outcome out = read("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.status, 304);
}

TEST(H1Response, HeadResponseFollowedByBytesIsNotReused) {
  const std::string head_part = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  const Outcome out = read(head_part + "hello", head());
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "");
  EXPECT_EQ(out.consumed, head_part.size());
  EXPECT_FALSE(out.keep_alive);
}

// --- interim responses (RFC 9110 section 15.2) ---

TEST(H1Response, InterimResponsesAreSkipped) {
  // A client must parse any number of 1xx before the final response; a 1xx ends at its empty line
  // (RFC 9112 section 6.3 item 1), so its Content-Length says nothing of the final one.
  const std::string input =
      "HTTP/1.1 100 Continue\r\n"
      "\r\n"
      "HTTP/1.1 103 Early Hints\r\n"
      "Link: </style.css>; rel=preload; as=style\r\n"
      "Content-Length: 9\r\n"
      "\r\n"
      "HTTP/1.1 200 OK\r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "ok";
  const Outcome out = read(input);
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.status_line_calls, 1);
  EXPECT_EQ(out.status_line, "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(out.headers, (std::vector<std::string>{"Content-Length: 2\r\n"}));
  EXPECT_EQ(out.body, "ok");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.consumed, input.size());
  EXPECT_TRUE(out.keep_alive);
}

TEST(H1Response, StreamEndingAfterAnInterimResponseIsCutShort) {
  const Outcome out = read("HTTP/1.1 100 Continue\r\n\r\n", eos());
  EXPECT_EQ(out.failure, Failure::kCutShort);
  EXPECT_EQ(out.status_line_calls, 0);
}

TEST(H1Response, SwitchingProtocolsIsAFailure) {
  // RFC 9110 section 15.2.2: 101 answers an Upgrade request, which this client never sends.
  const Outcome out = read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  EXPECT_TRUE(out.failed);
  EXPECT_EQ(out.failure, Failure::kMalformed);
  EXPECT_FALSE(out.done);
  EXPECT_FALSE(out.keep_alive);
  EXPECT_EQ(out.headers.size(), 0U);
}

// --- persistence (RFC 9112 section 9.3) ---

TEST(H1Response, Http10PersistsOnlyWithKeepAlive) {
  Outcome out = read("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.version, 10);
  EXPECT_EQ(out.body, "ok");
  EXPECT_FALSE(out.keep_alive);
  out = read("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.version, 10);
  EXPECT_TRUE(out.keep_alive);
  // "close" wins over "keep-alive" (the close option is checked first).
  out = read("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_FALSE(out.keep_alive);
  // Without a length even keep-alive cannot persist: the body ends with the stream.
  out = read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nok", eos());
  EXPECT_TRUE(out.done);
  EXPECT_FALSE(out.keep_alive);
}

TEST(H1Response, Http11ConnectionCloseInAnyCaseAndList) {
  // Connection options are case-insensitive tokens in a comma-separated list (RFC 9110 section 7.6.1).
  for (const char* value : {"close", "CLOSE", "Close", "Upgrade, close", "foo ,close, bar", "x,\tClOsE\t"}) {
    const Outcome out =
        read(std::string("HTTP/1.1 200 OK\r\nconnection: ") + value + "\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_TRUE(out.done) << value;
    EXPECT_FALSE(out.keep_alive) << value;
  }
  for (const char* value : {"keep-alive", "closed", "Upgrade", "not-close"}) {
    const Outcome out =
        read(std::string("HTTP/1.1 200 OK\r\nConnection: ") + value + "\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_TRUE(out.keep_alive) << value;
  }
}

// --- line syntax (RFC 9112 sections 2.2, 4, 5.2) ---

TEST(H1Response, BareLfLineEnds) {
  const Outcome out = read("HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.status_line, "HTTP/1.1 200 OK\n");
  EXPECT_EQ(out.headers, (std::vector<std::string>{"Content-Length: 2\n", "X-A: b\n"}));
  EXPECT_EQ(out.fields, (std::vector<std::string>{"Content-Length=2", "X-A=b"}));
  EXPECT_EQ(out.body, "ok");
  EXPECT_TRUE(out.keep_alive);
}

TEST(H1Response, EmptyLineBeforeTheStatusLineIsReadPast) {
  const Outcome out = read("\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.status_line, "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(out.body, "ok");
}

TEST(H1Response, ObsoleteLineFoldingIsReplacedBySpace) {
  // RFC 9112 section 5.2: obs-fold = OWS CRLF RWS; a user agent replaces each with SP before
  // interpreting the value.
  const Outcome out = read("HTTP/1.1 200 OK\r\nX-Long: first\r\n second\r\n\tthird\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.headers, (std::vector<std::string>{"X-Long: first second third\r\n", "Content-Length: 2\r\n"}));
  EXPECT_EQ(out.fields, (std::vector<std::string>{"X-Long=first second third", "Content-Length=2"}));
  EXPECT_EQ(out.body, "ok");
  // A continuation with no field line before it folds nothing.
  EXPECT_EQ(read("HTTP/1.1 200 OK\r\n folded\r\nContent-Length: 0\r\n\r\n").failure, Failure::kMalformed);
}

TEST(H1Response, WhitespaceBeforeTheColonIsMalformed) {
  // RFC 9112 section 5.1: "No whitespace is allowed between the field name and colon"; a field
  // we did not recognise could frame the message for another reader.
  for (const char* field : {"Transfer-Encoding : chunked\r\n", "Content-Length\t: 5\r\n", "X-Other : 1\r\n"}) {
    const Outcome out = read(std::string("HTTP/1.1 200 OK\r\n") + field + "Content-Length: 5\r\n\r\nhello");
    EXPECT_EQ(out.failure, Failure::kMalformed) << field;
    EXPECT_FALSE(out.keep_alive) << field;
  }
}

TEST(H1Response, EmptyContentLengthLineIsMalformedEvenAfterAValidOne) {
  // Content-Length = 1*DIGIT (RFC 9110 section 8.6): an empty value is not one.
  const Outcome out = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length:\r\n\r\nhello");
  EXPECT_EQ(out.failure, Failure::kMalformed);
}

TEST(H1Response, NoBodyResponseWithTransferEncodingAndContentLengthIsNotReused) {
  // Both fields: the sender is confused (RFC 9112 section 6.3, item 3), body or not.
  const char* fields = "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n";
  EXPECT_FALSE(read(std::string("HTTP/1.1 200 OK\r\n") + fields, head()).keep_alive);
  EXPECT_FALSE(read(std::string("HTTP/1.1 204 No Content\r\n") + fields).keep_alive);
  EXPECT_FALSE(read(std::string("HTTP/1.1 304 Not Modified\r\n") + fields).keep_alive);
}

TEST(H1Response, InterimResponsesHaveABoundEachAndInNumber) {
  // Each interim response's header section is bounded on its own: two 40 KiB 103s are read.
  const std::string hint = "Link: <" + std::string(40 * 1024, 'a') + ">\r\n";
  Outcome out = read("HTTP/1.1 103 Early Hints\r\n" + hint + "\r\nHTTP/1.1 103 Early Hints\r\n" + hint +
                     "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "ok");
  // An endless run of them is not.
  std::string flood;
  for (std::uint32_t i = 0; i <= H1ResponseReader::kMaxInterimResponses; ++i) flood += "HTTP/1.1 100 Continue\r\n\r\n";
  out = read(flood + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(out.failure, Failure::kMalformed);
}

TEST(H1Response, FieldLineWithoutNameOrColonIsMalformed) {
  // field-line = field-name ":" OWS field-value OWS; field-name = token (1*tchar) (section 5).
  for (const char* line : {"no colon here\r\n", ": empty name\r\n"}) {
    const Outcome out = read(std::string("HTTP/1.1 200 OK\r\n") + line + "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(out.failure, Failure::kMalformed) << line;
  }
}

TEST(H1Response, MalformedStatusLines) {
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]; HTTP-version = "HTTP/" DIGIT
  // "." DIGIT; status-code = 3DIGIT (section 4, section 2.3); only 1.x is HTTP/1.
  for (const char* line :
       {"HTTP/2 200", "HTTP/1.1 20", "HTTP/1.1 200OK", "ICY 200 OK", "HTTP/2.0 200 OK", "http/1.1 200 OK",
        "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK", "HTTP/1.1 099 X", "HTTP/11 200 OK"}) {
    const Outcome out = read(std::string(line) + "\r\nContent-Length: 0\r\n\r\n");
    EXPECT_TRUE(out.failed) << line;
    EXPECT_EQ(out.failure, Failure::kMalformed) << line;
    EXPECT_EQ(out.status_line_calls, 0) << line;
    EXPECT_FALSE(out.keep_alive) << line;
    EXPECT_NE(out.reason, "") << line;
  }
}

TEST(H1Response, StatusLineReasonPhraseMayBeEmpty) {
  // section 4: reason-phrase is optional (the SP before it is not).
  const Outcome out = read("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(out.status_line, "HTTP/1.1 404 \r\n");
}

// --- end of the stream ---

TEST(H1Response, EndOfStreamWithNothing) {
  const Outcome out = read("", eos());
  EXPECT_TRUE(out.failed);
  EXPECT_EQ(out.failure, Failure::kNothing);
  EXPECT_FALSE(out.done);
}

TEST(H1Response, EndOfStreamInsideTheHeaders) {
  for (const char* input : {"H", "HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
                            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r", "\r\n"}) {
    const Outcome out = read(input, eos());
    EXPECT_EQ(out.failure, Failure::kCutShort) << testing::PrintToString(input);
    EXPECT_FALSE(out.done) << testing::PrintToString(input);
  }
}

TEST(H1Response, EndOfStreamInsideAContentLengthBody) {
  const Outcome out = read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", eos());
  EXPECT_EQ(out.failure, Failure::kTruncated);
  EXPECT_FALSE(out.done);
  EXPECT_EQ(out.body, "abc");
  EXPECT_EQ(out.remaining, 7U);
  EXPECT_FALSE(out.keep_alive);
  EXPECT_EQ(out.status, 200);
}

TEST(H1Response, EndOfStreamInsideAChunkedBody) {
  const std::string start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  // Inside chunk data, between the data and its CRLF, in a chunk-size line, before the last
  // chunk, and inside the trailer section: the body is incomplete (section 7.1).
  for (const char* rest : {"5\r\nhe", "5\r\nhello", "5\r\nhello\r", "5\r\nhello\r\n", "5\r\nhello\r\n0",
                           "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n"}) {
    const Outcome out = read(start + rest, eos());
    EXPECT_EQ(out.failure, Failure::kTruncated) << testing::PrintToString(rest);
    EXPECT_FALSE(out.done) << testing::PrintToString(rest);
  }
}

TEST(H1Response, EndOfStreamAfterACompleteResponseChangesNothing) {
  const Outcome out = read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", eos());
  EXPECT_TRUE(out.done);
  EXPECT_FALSE(out.failed);
  EXPECT_TRUE(out.keep_alive);
}

// --- the sink stopping the body ---

TEST(H1Response, SinkStoppingEndsTheResponse) {
  // The header contract: on_body returning false ends the response there (done, not reusable).
  const std::string head_part = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  {
    // Pieces of 4 body bytes: the sink stops after the second piece (8 >= 6).
    Options options;
    options.stop_after = 6;
    const Outcome out = run(head_part + "0123456789", {head_part.size(), 4, 4, 2}, options);
    EXPECT_TRUE(out.done);
    EXPECT_FALSE(out.failed);
    EXPECT_FALSE(out.keep_alive);
    EXPECT_EQ(out.body, "01234567");
    EXPECT_EQ(out.consumed, head_part.size() + 8);
  }
  {
    // In one piece: the stop comes with the first call, and everything given was used.
    Options options;
    options.stop_after = 1;
    const std::string input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
    const Outcome out = run(input, {input.size()}, options);
    EXPECT_TRUE(out.done);
    EXPECT_FALSE(out.keep_alive);
    EXPECT_EQ(out.body, "abc");
    EXPECT_EQ(out.consumed, input.find("abc") + 3);
  }
  {
    Options options;
    options.stop_after = 3;
    options.end_of_stream = true;
    const std::string input = "HTTP/1.1 200 OK\r\n\r\nabcdef";
    const Outcome out = run(input, {input.size() - 3, 3}, options);
    EXPECT_TRUE(out.done);
    EXPECT_FALSE(out.failed);
    EXPECT_FALSE(out.keep_alive);
    EXPECT_EQ(out.body, "abc");
    EXPECT_EQ(out.consumed, input.size() - 3);
  }
}

// --- bounds (the header contract: 64 KiB header section, 8 KiB chunk-size line and trailer
// section, 16 hex digits) ---

TEST(H1Response, HeaderSectionWithinTheBoundIsRead) {
  const std::string big(H1ResponseReader::kMaxHeaderBytes - 1000, 'a');
  const Outcome out = read("HTTP/1.1 200 OK\r\nX-Big: " + big + "\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "ok");
}

TEST(H1Response, HeaderSectionOverTheBoundIsMalformed) {
  // One long line, and many short ones.
  std::string many = "HTTP/1.1 200 OK\r\n";
  while (many.size() <= H1ResponseReader::kMaxHeaderBytes) many += "X-Field: 0123456789abcdef\r\n";
  for (const std::string& input :
       {"HTTP/1.1 200 OK\r\nX-Big: " + std::string(H1ResponseReader::kMaxHeaderBytes, 'a') + "\r\n\r\n",
        many + "\r\n"}) {
    const Outcome out = read(input);
    EXPECT_TRUE(out.failed);
    EXPECT_EQ(out.failure, Failure::kMalformed);
    EXPECT_LE(out.headers.size() * 27, H1ResponseReader::kMaxHeaderBytes);
  }
  // A status line alone over the bound.
  const Outcome out = read("HTTP/1.1 200 " + std::string(H1ResponseReader::kMaxHeaderBytes, 'x') + "\r\n\r\n");
  EXPECT_EQ(out.failure, Failure::kMalformed);
  EXPECT_EQ(out.status_line_calls, 0);
}

TEST(H1Response, EndlessLineFailsWithoutBufferingPastTheBound) {
  const std::string flood(std::size_t{1} << 20, 'a');  // 1 MiB, no LF
  for (const std::string& prefix : {std::string(), std::string("HTTP/1.1 200 OK\r\nX: ")}) {
    {
      // In one piece: the reader refuses it at once, having used no more than the bound.
      Outcome out;
      Recorder sink(out);
      H1ResponseReader reader;
      reader.reset(false);
      const std::string input = prefix + flood;
      const std::size_t used = reader.feed(input, sink);
      EXPECT_TRUE(reader.failed());
      EXPECT_EQ(reader.failure(), Failure::kMalformed);
      EXPECT_LE(used, H1ResponseReader::kMaxHeaderBytes);
    }
    {
      // In 4 KiB pieces: it fails within one piece of the bound.
      Outcome out;
      Recorder sink(out);
      H1ResponseReader reader;
      reader.reset(false);
      std::size_t fed = 0;
      std::size_t used = reader.feed(prefix, sink);
      while (!reader.failed() && fed < flood.size()) {
        used += reader.feed(std::string_view(flood).substr(fed, 4096), sink);
        fed += 4096;
      }
      EXPECT_TRUE(reader.failed());
      EXPECT_LE(fed, H1ResponseReader::kMaxHeaderBytes + 4096);
      EXPECT_LE(used, H1ResponseReader::kMaxHeaderBytes);
    }
  }
}

TEST(H1Response, ChunkSizeOfSixteenHexDigitsIsReadSeventeenIsNot) {
  const std::string start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  Outcome out = read(start + "0000000000000003\r\nabc\r\n0\r\n\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "abc");
  for (const char* size : {"00000000000000003", "10000000000000000", "FFFFFFFFFFFFFFFFF"}) {
    out = read(start + size + "\r\nabc\r\n0\r\n\r\n");
    EXPECT_TRUE(out.failed) << size;
    EXPECT_EQ(out.failure, Failure::kMalformed) << size;
    EXPECT_EQ(out.body, "") << size;
  }
}

TEST(H1Response, ChunkSizeLineOverEightKibIsMalformed) {
  const std::string start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  Outcome out = read(start + "3;x=" + std::string(4000, 'e') + "\r\nabc\r\n0\r\n\r\n");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "abc");
  out = read(start + "3;x=" + std::string(H1ResponseReader::kMaxChunkLineBytes, 'e') + "\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(out.failure, Failure::kMalformed);
  EXPECT_EQ(out.body, "");
}

TEST(H1Response, TrailerSectionOverEightKibIsMalformed) {
  const std::string start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n";
  std::string trailers;
  while (trailers.size() <= H1ResponseReader::kMaxChunkLineBytes) trailers += "X-Trailer: 0123456789\r\n";
  const Outcome out = read(start + trailers + "\r\n");
  EXPECT_EQ(out.failure, Failure::kMalformed);
  EXPECT_EQ(out.body, "abc");
}

// --- reuse ---

TEST(H1Response, ResetMakesTheReaderReusable) {
  const std::string first = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  const std::string second = "HTTP/1.0 404 Not Found\r\nContent-Length: 4\r\n\r\ngone";
  H1ResponseReader reader;
  {
    Outcome out;
    Recorder sink(out);
    reader.reset(false);
    // A first response left half read (a line split across feeds) must not leak into the next.
    EXPECT_EQ(reader.feed("HTTP/1.1 200 OK\r\nX-Half: ab", sink), 27U);
  }
  for (int round = 0; round < 2; ++round) {
    Outcome out;
    Recorder sink(out);
    reader.reset(false);
    EXPECT_FALSE(reader.started());
    EXPECT_FALSE(reader.has_status());
    EXPECT_EQ(reader.feed(first, sink), first.size());
    EXPECT_TRUE(reader.done());
    EXPECT_TRUE(reader.keep_alive());
    EXPECT_EQ(out.body, "abc");

    Outcome out2;
    Recorder sink2(out2);
    reader.reset(false);
    EXPECT_FALSE(reader.done());
    EXPECT_FALSE(reader.keep_alive());
    EXPECT_EQ(reader.feed(second, sink2), second.size());
    EXPECT_TRUE(reader.done());
    EXPECT_FALSE(reader.failed());
    EXPECT_EQ(reader.status(), 404);
    EXPECT_EQ(reader.version(), 10);
    EXPECT_FALSE(reader.keep_alive());
    EXPECT_EQ(out2.status_line, "HTTP/1.0 404 Not Found\r\n");
    EXPECT_EQ(out2.headers, (std::vector<std::string>{"Content-Length: 4\r\n"}));
    EXPECT_EQ(out2.body, "gone");

    // After a failure too.
    Outcome out3;
    Recorder sink3(out3);
    reader.reset(true);
    reader.feed("ICY 200 OK\r\n", sink3);
    EXPECT_TRUE(reader.failed());
  }
  Outcome out;
  Recorder sink(out);
  reader.reset(true);
  EXPECT_FALSE(reader.failed());
  EXPECT_STREQ(reader.failure_reason(), "");
  EXPECT_EQ(reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", sink), 38U);
  EXPECT_TRUE(reader.done());  // HEAD this time
  EXPECT_TRUE(reader.keep_alive());
}

TEST(H1Response, StartedAndHasStatus) {
  Outcome out;
  Recorder sink(out);
  H1ResponseReader reader;
  reader.reset(false);
  EXPECT_FALSE(reader.started());
  reader.feed("", sink);
  EXPECT_FALSE(reader.started());
  reader.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2", sink);
  EXPECT_TRUE(reader.started());
  EXPECT_FALSE(reader.has_status());  // a 1xx is not the final status line
  reader.feed("00 OK\r\n", sink);
  EXPECT_TRUE(reader.has_status());
  EXPECT_EQ(reader.status(), 200);
  EXPECT_FALSE(reader.done());
}

// --- found by these tests (fixed in the reader) ---

TEST(H1Response, Http10WithTransferEncodingIsNotReused) {
  // RFC 9112 section 6.1: "A server or client that receives an HTTP/1.0 message containing a
  // Transfer-Encoding header field MUST treat the message as if the framing is faulty, even if a
  // Content-Length is present, and close the connection after processing the message."
  const Outcome out =
      read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_FALSE(out.keep_alive);
}

TEST(H1Response, ObsoleteFoldIsPartOfTheFieldValueForFraming) {
  // RFC 9112 section 5.2: a user agent receiving obs-fold in a response "MUST replace each
  // received obs-fold with one or more SP octets prior to interpreting the field value".
  // "keep-alive,  close" holds the close option (section 9.3).
  Outcome out = read("HTTP/1.1 200 OK\r\nConnection: keep-alive,\r\n close\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_FALSE(out.keep_alive);
  // "gzip,  chunked": chunked is the final coding (section 6.3 item 4).
  out = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n", eos());
  EXPECT_EQ(out.body, "zz");
  // "5  6" is not a valid Content-Length (section 6.3 item 5).
  out = read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n 6\r\n\r\nhello");
  EXPECT_EQ(out.failure, Failure::kMalformed);
}

TEST(H1Response, HigherMinorVersionIsReadAsHttp11) {
  // RFC 9110 section 2.5: a recipient of a message with a major version it implements and a higher
  // minor version "SHOULD process the message as if it were in the highest minor version within
  // that major version to which the recipient is conformant" (here 1.1); the header's own
  // kMalformed is "not HTTP/1.x".
  const Outcome out = read("HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.body, "ok");
  EXPECT_EQ(out.version, 11);
  EXPECT_TRUE(out.keep_alive);
}

}  // namespace
}  // namespace tdump::http
