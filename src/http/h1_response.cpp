#include "http/h1_response.hpp"

#include <algorithm>
#include <charconv>

#include "common/ascii.hpp"

namespace tdump::http {
namespace {

constexpr std::size_t kMaxChunkHexDigits = 16;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// The line without its end (CRLF, or a bare LF: RFC 9112 section 2.2 lets a recipient accept it).
std::string_view without_end(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Calls `each` with every element of a comma-separated field value, trimmed, empty ones skipped.
template <typename F>
void for_each_element(std::string_view value, F each) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view element = trim(value.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

void H1ResponseReader::reset(bool head_request) {
  // Every member back to its initial value; the two line buffers keep their capacity.
  std::string line = std::move(line_);
  std::string field = std::move(field_);
  *this = H1ResponseReader{};
  line.clear();
  field.clear();
  line_ = std::move(line);
  field_ = std::move(field);
  head_ = head_request;
}

void H1ResponseReader::fail(Failure failure, const char* reason) {
  if (failure_ != Failure::kNone) return;
  failure_ = failure;
  reason_ = reason;
  keep_alive_ = false;
}

bool H1ResponseReader::take_line(std::string_view data, std::size_t& used, std::string_view& line, std::size_t limit) {
  const auto end = data.find('\n');
  const std::size_t take = end == std::string_view::npos ? data.size() : end + 1;
  if (line_.size() + take > limit) {
    fail(Failure::kMalformed, state_ == State::kChunkSize || state_ == State::kTrailers
                                  ? "chunk-size line or trailer section too long"
                                  : "response header section too large");
    used = 0;
    return false;
  }
  used = take;
  if (end == std::string_view::npos) {
    line_.append(data);
    return false;
  }
  if (line_.empty()) {
    line = data.substr(0, take);
  } else {
    line_.append(data.substr(0, take));
    line = line_;
  }
  return true;
}

std::size_t H1ResponseReader::feed(std::string_view data, H1ResponseSink& sink) {
  std::size_t consumed = 0;
  if (!data.empty()) started_ = true;
  while (consumed < data.size() && failure_ == Failure::kNone && state_ != State::kDone) {
    const std::string_view rest = data.substr(consumed);
    switch (state_) {
      case State::kStatus:
      case State::kHeaders: {
        std::size_t used = 0;
        std::string_view line;
        const bool complete = take_line(rest, used, line, kMaxHeaderBytes - std::min(header_bytes_, kMaxHeaderBytes));
        if (failure_ != Failure::kNone) return consumed;
        consumed += used;
        if (!complete) break;
        header_bytes_ += line.size();
        bool ok = true;
        if (state_ == State::kStatus && without_end(line).empty()) {
          // An empty line before the status line is read past (RFC 9112 section 2.2).
        } else if (state_ == State::kStatus) {
          ok = on_status(line);
          if (ok && !interim_) sink.on_status_line(line);
          if (ok) state_ = State::kHeaders;
        } else if (line.front() == ' ' || line.front() == '\t') {
          // Obsolete line folding: replaced by one SP before the value is read (section 5.2).
          if (field_.empty()) {
            fail(Failure::kMalformed, "continuation line without a field line");
            ok = false;
          } else {
            field_.resize(without_end(field_).size());
            field_.push_back(' ');
            field_.append(trim(line)).append("\r\n");
          }
        } else {
          // A field line is read once the next line shows it is not folded.
          ok = flush_field(sink);
          if (ok && without_end(line).empty()) {
            ok = end_of_headers();
          } else if (ok) {
            field_.assign(line);
          }
        }
        line_.clear();
        if (!ok) return consumed;
        break;
      }
      case State::kBody:
      case State::kChunkData: {
        // Content-Length's body, or a chunk's data: `remaining_` bytes.
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        remaining_ -= take;
        consumed += take;
        if (!sink.on_body(rest.substr(0, take))) {
          keep_alive_ = false;
          state_ = State::kDone;
          return consumed;
        }
        if (remaining_ == 0) {
          if (state_ == State::kBody) {
            state_ = State::kDone;
          } else {
            state_ = State::kChunkDataEnd;
          }
        }
        break;
      }
      case State::kUntilClose: {
        consumed += rest.size();
        if (!sink.on_body(rest)) {
          keep_alive_ = false;
          state_ = State::kDone;
          return consumed;
        }
        break;
      }
      case State::kChunkSize:
      case State::kTrailers: {
        std::size_t used = 0;
        std::string_view line;
        const std::size_t budget = state_ == State::kTrailers
                                       ? kMaxChunkLineBytes - std::min(trailer_bytes_, kMaxChunkLineBytes)
                                       : kMaxChunkLineBytes;
        const bool complete = take_line(rest, used, line, budget);
        if (failure_ != Failure::kNone) return consumed;
        consumed += used;
        if (!complete) break;
        bool ok = true;
        if (state_ == State::kChunkSize) {
          ok = on_chunk_size(line);
        } else {
          trailer_bytes_ += line.size();
          if (without_end(line).empty()) state_ = State::kDone;  // trailer fields are read past, not kept
        }
        line_.clear();
        if (!ok) return consumed;
        break;
      }
      case State::kChunkDataEnd: {
        // CRLF (or a bare LF) after the data; it may arrive split.
        const char c = rest.front();
        if (c == '\r' && line_.empty()) {
          line_.push_back('\r');
          ++consumed;
        } else if (c == '\n') {
          line_.clear();
          ++consumed;
          state_ = State::kChunkSize;
        } else {
          fail(Failure::kMalformed, "chunk data not followed by CRLF");
          return consumed;
        }
        break;
      }
      case State::kDone:
        break;
    }
  }
  // Bytes past the end of the response: nothing was asked for them, so the connection's framing
  // cannot be trusted any more.
  if (state_ == State::kDone && consumed < data.size()) keep_alive_ = false;
  return consumed;
}

bool H1ResponseReader::on_status(std::string_view line) {
  const std::string_view text = without_end(line);
  // HTTP-version SP status-code SP [reason-phrase] (RFC 9112 section 4); a missing SP before an
  // empty reason is accepted, as most clients do.
  if (text.size() < 12 || text.substr(0, 5) != "HTTP/" || !is_digit(text[5]) || text[6] != '.' || !is_digit(text[7]) ||
      text[8] != ' ' || !is_digit(text[9]) || !is_digit(text[10]) || !is_digit(text[11]) ||
      (text.size() > 12 && text[12] != ' ')) {
    fail(Failure::kMalformed, "malformed status line");
    return false;
  }
  if (text[5] != '1') {
    fail(Failure::kMalformed, "not an HTTP/1.x response");
    return false;
  }
  const int status = (text[9] - '0') * 100 + (text[10] - '0') * 10 + (text[11] - '0');
  if (status < 100) {
    fail(Failure::kMalformed, "malformed status line");
    return false;
  }
  if (status == 101) {
    fail(Failure::kMalformed, "unexpected 101 Switching Protocols");
    return false;
  }
  interim_ = status < 200;
  if (!interim_) {
    // A higher minor version is read as 1.1, the highest this reader implements (RFC 9110 section 2.5).
    version_ = text[7] == '0' ? 10 : 11;
    status_ = status;
  }
  return true;
}

bool H1ResponseReader::flush_field(H1ResponseSink& sink) {
  if (field_.empty()) return true;
  const bool ok = on_field(field_, sink);
  field_.clear();
  return ok;
}

bool H1ResponseReader::on_field(std::string_view line, H1ResponseSink& sink) {
  const std::string_view text = without_end(line);
  const auto colon = text.find(':');
  // No whitespace between the name and the colon (section 5.1): a field we would not recognise
  // is one another reader may frame differently.
  if (colon == std::string_view::npos || colon == 0 || text[colon - 1] == ' ' || text[colon - 1] == '\t') {
    fail(Failure::kMalformed, "malformed header field line");
    return false;
  }
  if (interim_) return true;
  const std::string_view name = text.substr(0, colon);
  const std::string_view value = trim(text.substr(colon + 1));
  if (ascii_iequals(name, "content-length")) {
    bool ok = true;
    bool any = false;
    for_each_element(value, [&](std::string_view element) {
      any = true;
      std::uint64_t length = 0;
      const auto parsed = std::from_chars(element.data(), element.data() + element.size(), length);
      if (parsed.ec != std::errc{} || parsed.ptr != element.data() + element.size() ||
          (has_length_ && length != length_)) {
        ok = false;
        return;
      }
      has_length_ = true;
      length_ = length;
    });
    if (!ok || !any) {
      fail(Failure::kMalformed, "invalid Content-Length");
      return false;
    }
  } else if (ascii_iequals(name, "transfer-encoding")) {
    transfer_encoding_ = true;
    // Only the final coding decides the framing (RFC 9112 section 6.3, item 4).
    chunked_ = false;
    for_each_element(value, [&](std::string_view element) { chunked_ = ascii_iequals(element, "chunked"); });
  } else if (ascii_iequals(name, "connection")) {
    for_each_element(value, [&](std::string_view element) {
      if (ascii_iequals(element, "close")) connection_close_ = true;
      if (ascii_iequals(element, "keep-alive")) connection_keep_alive_ = true;
    });
  }
  sink.on_header_line(line, name, value);
  return true;
}

bool H1ResponseReader::end_of_headers() {
  if (interim_) {
    // An interim response's header section ended: the final one follows, with a bound of its own.
    if (++interim_responses_ > kMaxInterimResponses) {
      fail(Failure::kMalformed, "too many interim (1xx) responses");
      return false;
    }
    interim_ = false;
    header_bytes_ = 0;
    state_ = State::kStatus;
    return true;
  }
  keep_alive_ = version_ == 11 ? !connection_close_ : connection_keep_alive_ && !connection_close_;
  // Transfer-Encoding in HTTP/1.0 means faulty framing (RFC 9112 section 6.1); with Content-Length
  // too, the sender is confused (section 6.3, item 3): either way the connection is not reused.
  if (transfer_encoding_ && (version_ == 10 || has_length_)) keep_alive_ = false;
  if (head_ || status_ == 204 || status_ == 304) {
    state_ = State::kDone;
    return true;
  }
  if (transfer_encoding_) {
    if (chunked_) {
      state_ = State::kChunkSize;
    } else {
      keep_alive_ = false;
      state_ = State::kUntilClose;
    }
    return true;
  }
  if (has_length_) {
    remaining_ = length_;
    state_ = State::kBody;
    if (remaining_ == 0) state_ = State::kDone;
    return true;
  }
  keep_alive_ = false;
  state_ = State::kUntilClose;
  return true;
}

bool H1ResponseReader::on_chunk_size(std::string_view line) {
  std::string_view text = without_end(line);
  std::uint64_t size = 0;
  std::size_t digits = 0;
  while (digits < text.size() && hex_value(text[digits]) >= 0) {
    if (digits == kMaxChunkHexDigits) {
      fail(Failure::kMalformed, "chunk size too large");
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(hex_value(text[digits]));
    ++digits;
  }
  text.remove_prefix(digits);
  text = trim(text);
  if (digits == 0 || (!text.empty() && text.front() != ';')) {
    fail(Failure::kMalformed, "malformed chunk size");
    return false;
  }
  if (size == 0) {
    state_ = State::kTrailers;
    trailer_bytes_ = 0;
    return true;
  }
  remaining_ = size;
  state_ = State::kChunkData;
  return true;
}

void H1ResponseReader::end_of_stream() {
  if (failure_ != Failure::kNone || state_ == State::kDone) return;
  if (state_ == State::kUntilClose) {
    state_ = State::kDone;
    keep_alive_ = false;
    return;
  }
  if (!started_) {
    fail(Failure::kNothing, "empty reply from server");
  } else if (state_ == State::kStatus || state_ == State::kHeaders) {
    fail(Failure::kCutShort, "connection closed inside the response header section");
  } else {
    fail(Failure::kTruncated, "connection closed before the end of the body");
  }
}

}  // namespace tdump::http
