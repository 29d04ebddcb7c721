#pragma once
// Reads one HTTP/1.1 response from a byte stream, in pieces as they arrive, without any I/O:
// the framing rules of RFC 9112 (status line section 4, field lines section 5, message body
// length section 6.3, chunked coding section 7.1, persistence section 9.3). The engine's plain
// HTTP/1.1 path (http/plain_http.hpp) feeds it what recv() returns; fuzz/h1_response feeds it
// anything.
//
// - Interim 1xx responses are skipped (their header lines never reach the sink; at most 32 of
//   them); 101 is an error (nothing here asks to switch protocols). HTTP/1.x with x > 1 is read as
//   HTTP/1.1 (RFC 9110 section 2.5).
// - Field lines: obsolete line folding is replaced by one SP before the value is read (the sink
//   gets the unfolded line); whitespace before the colon is an error (section 5.1).
// - The body's length: none for a HEAD request or a 204/304; Transfer-Encoding ending in chunked
//   (decoded: the sink sees the data only); Transfer-Encoding of anything else, or neither header,
//   up to the end of the stream; else Content-Length (a list of equal values is one value,
//   differing values are an error).
// - Persistence: HTTP/1.1 keeps the connection unless a Connection field says "close"; HTTP/1.0
//   only with "Connection: keep-alive"; never after a body read to the end of the stream, a body
//   the sink stopped, Transfer-Encoding together with Content-Length or in HTTP/1.0 (section
//   6.1), or bytes past the response.
// - Bounds (untrusted input): the status line and the header section 64 KiB together (per
//   response, interim ones included), a chunk-size
//   line or trailer section 8 KiB, a chunk size 16 hex digits; beyond, the response is malformed.
#include <cstdint>
#include <string>
#include <string_view>

namespace tdump::http {

class H1ResponseSink {
 public:
  virtual ~H1ResponseSink() = default;
  // The final status line ("HTTP/1.1 206 Partial Content\r\n", line end included).
  virtual void on_status_line(std::string_view line) = 0;
  // One field line of the final response's header section, line end included (an obsolete line
  // fold already replaced by one SP), with its name (as sent) and its value (without the
  // surrounding whitespace) split out, so a sink never parses the line again.
  virtual void on_header_line(std::string_view line, std::string_view name, std::string_view value) = 0;
  // Body data (chunked coding removed). Return false to stop reading: the response then ends
  // here (done, not reusable), as when a caller caps the body.
  virtual bool on_body(std::string_view data) = 0;
};

class H1ResponseReader {
 public:
  enum class Failure : std::uint8_t {
    kNone,
    kMalformed,  // not HTTP/1.x, or breaks a framing rule or bound
    kTruncated,  // the stream ended inside the body (after the header section)
    kNothing,    // the stream ended before any byte
    kCutShort,   // the stream ended inside the status line or header section
  };

  // Ready for a response to a request with the given method (HEAD: no body whatever it says).
  void reset(bool head_request);
  // Consumes bytes of the stream. Returns how many were used: fewer than `data.size()` only once
  // the response is done (the rest is not part of it: the connection is then not reused) or failed.
  std::size_t feed(std::string_view data, H1ResponseSink& sink);
  // The peer closed the stream: ends a body read to the end of the stream, else a failure.
  void end_of_stream();

  [[nodiscard]] bool done() const noexcept { return state_ == State::kDone; }
  [[nodiscard]] bool failed() const noexcept { return failure_ != Failure::kNone; }
  [[nodiscard]] Failure failure() const noexcept { return failure_; }
  // What was wrong, for an error message (never quotes the bytes received).
  [[nodiscard]] const char* failure_reason() const noexcept { return reason_; }
  // Any byte of this response arrived (a status line begun).
  [[nodiscard]] bool started() const noexcept { return started_; }
  // The final status line arrived.
  [[nodiscard]] bool has_status() const noexcept { return status_ != 0; }
  [[nodiscard]] int status() const noexcept { return status_; }
  // 10 or 11 once the final status line arrived.
  [[nodiscard]] int version() const noexcept { return version_; }
  // After done(): whether the connection may carry another request.
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
  // Body bytes still expected with a known length (Content-Length), for an error message.
  [[nodiscard]] std::uint64_t remaining() const noexcept { return remaining_; }

  static constexpr std::size_t kMaxHeaderBytes = std::size_t{64} << 10;
  static constexpr std::size_t kMaxChunkLineBytes = std::size_t{8} << 10;
  static constexpr std::uint32_t kMaxInterimResponses = 32;

 private:
  enum class State : std::uint8_t {
    kStatus,
    kHeaders,
    kBody,        // Content-Length
    kUntilClose,  // to the end of the stream
    kChunkSize,
    kChunkData,
    kChunkDataEnd,  // the CRLF after a chunk's data
    kTrailers,
    kDone,
  };

  // Takes one line (up to and including LF) from `data` into `line_` or in place; returns the
  // line once complete, or an empty view with `used` set when more bytes are needed.
  bool take_line(std::string_view data, std::size_t& used, std::string_view& line, std::size_t limit);
  bool on_status(std::string_view line);
  bool on_field(std::string_view line, H1ResponseSink& sink);
  // Reads the field line held in field_ (complete once the next line is not a continuation).
  bool flush_field(H1ResponseSink& sink);
  bool end_of_headers();
  bool on_chunk_size(std::string_view line);
  void fail(Failure failure, const char* reason);

  State state_ = State::kStatus;
  Failure failure_ = Failure::kNone;
  const char* reason_ = "";
  bool head_ = false;
  bool started_ = false;
  bool interim_ = false;  // the header section being read belongs to a 1xx
  int status_ = 0;
  int version_ = 0;
  bool keep_alive_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool chunked_ = false;
  bool transfer_encoding_ = false;
  bool has_length_ = false;
  std::uint64_t length_ = 0;
  std::uint64_t remaining_ = 0;
  std::size_t header_bytes_ = 0;  // of this response's status line and header section
  std::size_t trailer_bytes_ = 0;
  std::uint32_t interim_responses_ = 0;
  std::string line_;   // a line split across feeds
  std::string field_;  // the last field line, held until the next line shows it is not folded
};

}  // namespace tdump::http
