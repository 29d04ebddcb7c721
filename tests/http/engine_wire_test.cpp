// Wire behaviours the engine's own HTTP/1.1 path (http/plain_http.hpp) must get right where
// libcurl did it for us, against real servers on 127.0.0.1: nginx ending keep-alive after N
// requests and closing idle connections, chunked bodies (nginx's echo module), Python's
// HTTP/1.0 http.server closing after every response, interim 1xx responses and close-delimited
// bodies (our fault proxy's "raw" action), a malformed response, and the Host header sent to a
// host name. Bytes are compared with the files written; connections are counted by the server
// (nginx's stub_status and access log, the proxy's own count, http.server's log).
#include <gtest/gtest.h>

#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/latin1.hpp"
#include "fault_proxy.hpp"
#include "http/engine.hpp"
#include "http_test_helpers.hpp"
#include "net.hpp"
#include "process.hpp"
#include "servers.hpp"
#include "temp_dir.hpp"

namespace tdump::http {
namespace {

using nlohmann::json;
using tdump::testing::ChildProcess;
using tdump::testing::FaultProxy;
using tdump::testing::NginxServer;
using tdump::testing::TempDir;
using tdump::testing::write_file;
using namespace tdump::http::testing;  // NOLINT(google-build-using-namespace)

constexpr std::size_t kFiles = 5;
constexpr std::size_t kFileSize = std::size_t{48} * 1024;
constexpr char kStatusPath[] = "/__status";
// What nginx's /echo location answers (the config below): no length known up front, so nginx
// sends it chunked to an HTTP/1.1 client.
constexpr std::size_t kEchoRepeats = 3000;

std::string echo_body() {
  std::string body = "first line\n";
  for (std::size_t i = 0; i < kEchoRepeats; ++i) body += "0123456789";
  return body + "last line\n";
}

// The proxy's "raw" action takes a JSON string whose characters U+0000..U+00FF are the bytes.
std::string as_latin1_json_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  append_latin1_as_utf8(out, bytes);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every test runs twice: through libcurl, and through the loop's own HTTP/1.1 path (own_http1).
class EngineWire : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    logs = new TempDir("wire-logs");
    // $connection is nginx's serial number of the connection a request came on.
    server = new NginxServer(1,
                             "    location = /__status { stub_status; }\n"
                             "    location /ka3/ { keepalive_requests 3; }\n"
                             "    location /short/ { keepalive_timeout 1s; }\n"
                             "    location = /echo { echo \"first line\"; echo_duplicate " +
                                 std::to_string(kEchoRepeats) +
                                 " \"0123456789\"; echo \"last line\"; }\n"
                                 "    location /hosted/ { access_log " +
                                 (*logs / "wire.log").string() + " wire; }\n",
                             "  log_format wire '$connection \"$http_host\" $status $request_uri';\n");
    files = new std::vector<std::string>();
    http10_dir = new TempDir("http10");
    for (std::size_t i = 0; i < kFiles; ++i) {
      files->push_back(random_bytes(kFileSize, 100 + i));
      const std::string name = "f" + std::to_string(i) + ".bin";
      for (const char* dir : {"plain", "ka3", "short", "hosted"}) {
        std::filesystem::create_directories(server->root() / dir);
        write_file(server->root() / dir / name, files->back());
      }
      write_file(http10_dir->path() / "root" / name, files->back());
    }
    proxy = new FaultProxy(server->port());
    // Python's http.server: BaseHTTPRequestHandler's protocol_version is "HTTP/1.0", so it answers
    // HTTP/1.0 and closes the connection after each response.
    http10_port = tdump::testing::free_port();
    http10_server =
        new ChildProcess({"python3", "-m", "http.server", "--bind", "127.0.0.1", std::to_string(http10_port),
                          "--directory", (http10_dir->path() / "root").string()},
                         {{"PYTHONUNBUFFERED", "1"}}, http10_dir->path(), http10_dir->path() / "server.log");
    if (!tdump::testing::wait_for_port(http10_port, std::chrono::seconds(20))) {
      throw std::runtime_error("python3 -m http.server did not start");
    }
  }
  static void TearDownTestSuite() {
    delete http10_server;
    delete proxy;
    delete server;
    delete files;
    delete http10_dir;
    delete logs;
  }
  void SetUp() override { proxy->clear(); }

  [[nodiscard]] std::unique_ptr<Engine> engine(ClientConfig config = {}) const {
    config.own_http1 = GetParam();
    auto created = Engine::create(config);
    EXPECT_TRUE(created.ok());
    return std::move(created).value();
  }
  static Request get(const std::string& url) {
    Request request;
    request.url = url;
    return request;
  }
  static std::string nginx_url(const std::string& path) { return server->base_url() + path; }
  static std::string proxy_url(const std::string& path) { return proxy->base_url() + path; }
  static std::string http10_url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(http10_port) + path;
  }
  static std::string name(std::size_t i) { return "f" + std::to_string(i % kFiles) + ".bin"; }
  // The own path took every request (it uses no libcurl handle), or libcurl did.
  void expect_path_taken(Engine& http, std::uint64_t libcurl_handles_on_own_path = 0) const {
    const auto handles = http.stats().easy_handles;
    if (GetParam()) {
      EXPECT_EQ(handles, libcurl_handles_on_own_path);
    } else {
      EXPECT_GE(handles, 1U);
    }
  }
  // The lines of nginx's access log (see the config above) once it has at least `count`: nginx
  // writes a request's line after sending the response, so a client may see it first.
  static std::vector<std::string> wire_log(std::size_t count = 0) {
    const auto log = *logs / "wire.log";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto lines = std::filesystem::exists(log) ? lines_of(tdump::testing::read_file(log)) : std::vector<std::string>{};
      if (lines.size() >= count || std::chrono::steady_clock::now() > deadline) return lines;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // nginx's count of accepted connections; each reading is itself one connection.
  static std::uint64_t accepted() { return nginx_accepted_connections(server->port(), kStatusPath); }
  // A vector, not a json: `json{one_rule}` is an array under g++ but a copy under clang.
  static void rules(const std::vector<json>& list) { proxy->set_rules(json(list)); }
  static json raw_rule(const std::string& path, const json& data, const std::string& then, int gap_ms = 0) {
    return {{"path", path}, {"action", "raw"}, {"times", -1}, {"data", data}, {"then", then}, {"gap_ms", gap_ms}};
  }

  static inline TempDir* logs = nullptr;
  static inline NginxServer* server = nullptr;
  static inline std::vector<std::string>* files = nullptr;
  static inline FaultProxy* proxy = nullptr;
  static inline TempDir* http10_dir = nullptr;
  static inline std::uint16_t http10_port = 0;
  static inline ChildProcess* http10_server = nullptr;
};

// `keepalive_requests 3`: nginx answers every third request on a connection with
// "Connection: close" and closes it; the client must open a new one, never reuse the closed one.
TEST_P(EngineWire, KeepaliveRequestsLimitEndsEveryThirdConnection) {
  auto http = engine();
  const auto before = accepted();
  for (std::size_t i = 0; i < 30; ++i) {
    auto result = http->execute(get(nginx_url("/ka3/" + name(i))));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->attempts, 1U) << i;
    ASSERT_TRUE(same_bytes(result->body, files->at(i % kFiles))) << i;
    if (i % 3 == 2) {
      EXPECT_EQ(result->header("connection"), "close") << i;
    }
  }
  EXPECT_EQ(accepted() - before - 1, 10U);  // nginx's count, less the first status reading
  EXPECT_EQ(http->stats().connections_opened, 10U);
  EXPECT_EQ(http->stats().attempts, 30U);
  expect_path_taken(*http);
}

// The same limit with 300 requests in flight at once: every connection still ends after its
// third response, none is reused past it, and every request gets its bytes in one attempt.
TEST_P(EngineWire, KeepaliveRequestsLimitUnderConcurrency) {
  auto http = engine();
  const auto before = accepted();
  std::vector<Request> requests;
  for (std::size_t i = 0; i < 300; ++i) requests.push_back(range_get(nginx_url("/ka3/" + name(i)), i * 100, 4096));
  auto results = run_all(*http, std::move(requests));
  std::size_t bad = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok() || results[i]->status != 206 || results[i]->attempts != 1 ||
        results[i]->body != files->at(i % kFiles).substr(i * 100, 4096)) {
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0U);
  // At most three requests per connection: at least 100 connections, by nginx's count.
  const auto connections = accepted() - before - 1;
  EXPECT_GE(connections, 100U);
  EXPECT_EQ(http->stats().connections_opened, connections);
  EXPECT_EQ(http->stats().attempts, 300U);
  expect_path_taken(*http);
}

// `keepalive_timeout 1s`: nginx closes the connection idle after a response; a request two
// seconds later must not fail or count a second attempt (the close is noticed, or the request
// is sent once more on a new connection without counting).
TEST_P(EngineWire, ConnectionClosedByTheServerWhileIdleIsNotAFailure) {
  auto http = engine();
  const auto before = accepted();
  auto first = http->execute(get(nginx_url("/short/" + name(0))));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_TRUE(same_bytes(first->body, files->at(0)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto started = std::chrono::steady_clock::now();
  auto second = http->execute(get(nginx_url("/short/" + name(1))));
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->attempts, 1U);
  EXPECT_TRUE(same_bytes(second->body, files->at(1)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));  // no hang
  // Two connections: the closed one and the new one (each status reading is one more).
  EXPECT_EQ(accepted() - before - 1, 2U);
  EXPECT_EQ(http->stats().attempts, 2U);
  EXPECT_EQ(http->stats().retries, 0U);
  expect_path_taken(*http);
}

// nginx's echo module output has no length known up front: HTTP/1.1 gets it chunked. The body
// must be the decoded text and the connection kept for the next request.
TEST_P(EngineWire, ChunkedBodyIsDecodedAndTheConnectionKept) {
  // An independent client (tests/support/net.hpp) confirms nginx answers chunked, and what.
  const auto oracle = tdump::testing::simple_http("GET", server->port(), "/echo");
  ASSERT_EQ(oracle.status, 200);
  ASSERT_NE(oracle.headers.find("chunked"), std::string::npos) << oracle.headers;
  ASSERT_EQ(oracle.body, echo_body());

  auto http = engine();
  const auto before = accepted();
  for (std::size_t i = 0; i < 20; ++i) {
    auto result = http->execute(get(nginx_url("/echo")));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->header("transfer-encoding"), "chunked");
    ASSERT_TRUE(same_bytes(result->body, echo_body())) << i;
    EXPECT_EQ(result->attempts, 1U);
  }
  EXPECT_EQ(accepted() - before - 1, 1U);
  EXPECT_EQ(http->stats().connections_opened, 1U);
  expect_path_taken(*http);
}

// A cap inside a chunked body: exactly the cap arrives, the connection (its state unknown) is
// closed, and the next request gets the whole body on a new one.
TEST_P(EngineWire, CapInsideAChunkedBodyClosesTheConnection) {
  auto http = engine();
  const auto before = accepted();
  auto request = get(nginx_url("/echo"));
  request.max_body_bytes = 100;
  auto capped = http->execute(request);
  ASSERT_TRUE(capped.ok()) << capped.error().describe();
  EXPECT_TRUE(capped->body_capped);
  EXPECT_EQ(capped->body, echo_body().substr(0, 100));
  EXPECT_EQ(capped->attempts, 1U);
  for (std::size_t i = 0; i < 3; ++i) {
    auto whole = http->execute(get(nginx_url("/echo")));
    ASSERT_TRUE(whole.ok()) << whole.error().describe();
    EXPECT_FALSE(whole->body_capped);
    EXPECT_TRUE(same_bytes(whole->body, echo_body()));
  }
  EXPECT_EQ(accepted() - before - 1, 2U);
  expect_path_taken(*http);
}

// Many chunks of random sizes (with an extension now and then), the stream cut into pieces at
// random places and sent a moment apart: the decoded body is the bytes encoded, and the
// connection is kept.
TEST_P(EngineWire, ManyChunksSplitAnywhereDecodeToTheBytes) {
  const std::string body = random_bytes(200'000, 11);
  std::mt19937_64 rng(12);
  std::string stream = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t offset = 0, n = 0; offset < body.size(); ++n) {
    const std::size_t size = std::min<std::size_t>(1 + rng() % 3000, body.size() - offset);
    std::array<char, 16> hex{};
    const auto end = std::to_chars(hex.data(), hex.data() + hex.size(), size, 16).ptr;
    stream.append(hex.data(), end).append(n % 7 == 0 ? ";name=value\r\n" : "\r\n");
    stream += body.substr(offset, size);
    stream += "\r\n";
    offset += size;
  }
  stream += "0\r\n\r\n";
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t size = std::min<std::size_t>(1 + rng() % 20'000, stream.size() - at);
    pieces.push_back(as_latin1_json_text(stream.substr(at, size)));
    at += size;
  }
  rules({raw_rule("/raw/chunks", pieces, "keep", 2)});
  auto http = engine();
  for (std::size_t i = 0; i < 2; ++i) {
    auto result = http->execute(get(proxy_url("/raw/chunks")));
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(result->status, 200);
    ASSERT_TRUE(same_bytes(result->body, body));
    EXPECT_EQ(result->attempts, 1U);
  }
  EXPECT_EQ(proxy->connections(), 1);
  expect_path_taken(*http);
}

// Some servers answer an idle keep-alive connection with an unsolicited "408 Request Timeout"
// before closing it. By the next request (here 300 ms later) it is a dead connection, never the
// answer to that request.
TEST_P(EngineWire, UnsolicitedResponseOnAnIdleConnectionIsNotTheNextAnswer) {
  if (!GetParam()) {
    // LIMITATION (libcurl path, libcurl 7.88, observed here): libcurl reuses the connection
    // although it holds the unread 408 (and the end of the stream behind it), sends the second
    // request on it and reads the stale 408 as its answer. The engine then retries the 408: the
    // result is right, but with attempts 2 (and one backoff) where the server saw one request;
    // with max_retries 0 the caller would get a 408 the server never sent for that request. The
    // own path closes an idle connection as soon as it is readable.
    GTEST_SKIP() << "libcurl path: a stale 408 on an idle connection is read as the next answer (attempts 2)";
  }
  rules({raw_rule(
      "/raw/idle408",
      std::vector<std::string>{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                               "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"},
      "close", 100)});
  auto http = engine();
  for (std::size_t i = 0; i < 3; ++i) {
    auto result = http->execute(get(proxy_url("/raw/idle408")));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200) << i;
    EXPECT_EQ(result->body, "ok");
    EXPECT_EQ(result->attempts, 1U);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  EXPECT_EQ(proxy->hits("/raw/idle408"), 3);
  EXPECT_EQ(proxy->connections(), 3);
  expect_path_taken(*http);
}

// Python's http.server answers "HTTP/1.0 200 OK" with a Content-Length and closes: every
// request needs a connection of its own, and http_version says 10.
TEST_P(EngineWire, Http10ServerClosingAfterEachResponse) {
  const auto log = http10_dir->path() / "server.log";
  const auto count_gets = [&] {
    std::size_t gets = 0;
    for (const auto& line : lines_of(tdump::testing::read_file(log))) {
      if (line.find("\"GET /f") != std::string::npos) ++gets;
    }
    return gets;
  };
  const auto logged_before = count_gets();
  auto http = engine();
  for (std::size_t i = 0; i < 20; ++i) {
    auto result = http->execute(get(http10_url("/" + name(i))));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->http_version, 10);
    EXPECT_EQ(result->attempts, 1U);
    ASSERT_TRUE(same_bytes(result->body, files->at(i % kFiles))) << i;
  }
  // A cap on the body (the server ignores Range), then a whole file again.
  auto request = get(http10_url("/" + name(3)));
  request.max_body_bytes = 1000;
  auto capped = http->execute(request);
  ASSERT_TRUE(capped.ok()) << capped.error().describe();
  EXPECT_TRUE(capped->body_capped);
  EXPECT_TRUE(same_bytes(capped->body, files->at(3).substr(0, 1000)));
  auto after = http->execute(get(http10_url("/" + name(4))));
  ASSERT_TRUE(after.ok()) << after.error().describe();
  EXPECT_TRUE(same_bytes(after->body, files->at(4)));
  // http.server logs each request it answered (before the body is sent).
  EXPECT_EQ(count_gets() - logged_before, 22U);
  EXPECT_EQ(http->stats().connections_opened, 22U);
  EXPECT_EQ(http->stats().attempts, 22U);
  expect_path_taken(*http);
}

// 100 Continue and 103 Early Hints before the final response (in one piece, and in pieces a
// moment apart) are skipped; the 103's fields are not the response's; the connection is kept.
TEST_P(EngineWire, InterimResponsesAreSkipped) {
  const std::vector<std::string> pieces = {
      "HTTP/1.1 100 Continue\r\n\r\n",
      "HTTP/1.1 103 Early Hints\r\nLink: </hint.css>; rel=preload\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Final: yes\r\n\r\nhello world",
  };
  std::string whole;
  for (const auto& piece : pieces) whole += piece;
  rules({raw_rule("/raw/interim-split", pieces, "keep", 20), raw_rule("/raw/interim-whole", whole, "keep")});
  auto http = engine();
  for (const char* path : {"/raw/interim-split", "/raw/interim-whole"}) {
    for (std::size_t i = 0; i < 5; ++i) {
      auto result = http->execute(get(proxy_url(path)));
      ASSERT_TRUE(result.ok()) << path << " " << i << ": " << result.error().describe();
      EXPECT_EQ(result->status, 200) << path;
      EXPECT_EQ(result->body, "hello world") << path;
      EXPECT_EQ(result->header("x-final"), "yes") << path;
      EXPECT_FALSE(result->header("link").has_value()) << path;
      EXPECT_EQ(result->attempts, 1U) << path;
      EXPECT_EQ(result->http_version, 11) << path;
    }
  }
  EXPECT_EQ(proxy->hits("/raw/interim-split"), 5);
  EXPECT_EQ(proxy->hits("/raw/interim-whole"), 5);
  EXPECT_EQ(proxy->connections(), 1);  // all ten on one connection
  expect_path_taken(*http);
}

// A body with neither Content-Length nor chunked ends where the server closes the connection:
// all of it arrives, the connection is not reused, and the next request works on a new one.
TEST_P(EngineWire, CloseDelimitedBodyThenTheNextRequestWorks) {
  const std::string body = random_bytes(100'000, 7);
  // The body in three pieces a moment apart, so it spans several reads.
  const std::vector<std::string> pieces = {
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n" + as_latin1_json_text(body.substr(0, 10'000)),
      as_latin1_json_text(body.substr(10'000, 50'000)), as_latin1_json_text(body.substr(60'000))};
  rules({raw_rule("/raw/eof", pieces, "close", 20)});
  auto http = engine();
  for (std::size_t i = 0; i < 5; ++i) {
    auto until_close = http->execute(get(proxy_url("/raw/eof")));
    ASSERT_TRUE(until_close.ok()) << i << ": " << until_close.error().describe();
    EXPECT_EQ(until_close->status, 200);
    EXPECT_EQ(until_close->attempts, 1U);
    ASSERT_TRUE(same_bytes(until_close->body, body)) << i;
    // The proxy forwards this one to nginx and keeps the connection open.
    auto next = http->execute(get(proxy_url("/ka3/" + name(i))));
    ASSERT_TRUE(next.ok()) << i << ": " << next.error().describe();
    EXPECT_EQ(next->status, 200);
    EXPECT_EQ(next->attempts, 1U);
    ASSERT_TRUE(same_bytes(next->body, files->at(i))) << i;
  }
  // Connection 1 carries the first close-delimited response; each file request opens the next
  // connection, which then carries the following close-delimited response: 6 in all.
  EXPECT_EQ(proxy->connections(), 6);
  EXPECT_EQ(proxy->hits("/raw/eof"), 5);
  expect_path_taken(*http);
}

// A response cut into pieces at awkward places (inside the status line, a field name, the CRLF
// ending the header section, the body), each sent a moment after the last, reads as if whole.
TEST_P(EngineWire, ResponseSplitAnywhereReadsAsWhole) {
  const std::vector<std::string> pieces = {
      "HTTP/1.1 2", "00 OK\r\nContent-Le", "ngth: 11\r\nX-A: b\r", "\n\r", "\nhel", "lo wor", "ld"};
  rules({raw_rule("/raw/split", pieces, "keep", 10)});
  auto http = engine();
  for (std::size_t i = 0; i < 3; ++i) {
    auto result = http->execute(get(proxy_url("/raw/split")));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "hello world");
    EXPECT_EQ(result->header("x-a"), "b");
    EXPECT_EQ(result->attempts, 1U);
  }
  EXPECT_EQ(proxy->connections(), 1);
  expect_path_taken(*http);
}

// Which responses leave the connection reusable, counted by the proxy over 4 requests each:
// HTTP/1.1 without Connection (kept), with "Connection: close" (not kept although the server
// keeps it open), HTTP/1.0 with "Connection: keep-alive" (kept), 204 and 304 (no body, kept),
// chunked with an extension and a trailer (kept); and a server closing each connection right
// after a response that did not say so (the close may cross the next request: it is noticed,
// or the request is sent again, uncounted).
TEST_P(EngineWire, ConnectionsAreReusedExactlyWhenTheResponseAllowsIt) {
  struct Case {
    const char* response;
    const char* then;
    int status;
    const char* body;
    int connections;  // for 4 requests
  };
  for (const Case& c : {
           Case{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "keep", 200, "ok", 1},
           Case{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "keep", 200, "ok", 4},
           Case{"HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok", "keep", 200, "ok",
                4},
           Case{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", "keep", 200, "ok", 1},
           Case{"HTTP/1.1 204 No Content\r\n\r\n", "keep", 204, "", 1},
           Case{"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", "keep", 304, "", 1},
           Case{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nok\r\n0\r\nX-Trailer: t\r\n\r\n",
                "keep", 200, "ok", 1},
           Case{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "close", 200, "ok", 4},
       }) {
    SCOPED_TRACE(std::string(c.response) + " then " + c.then);
    rules({raw_rule("/raw/persist", c.response, c.then)});
    auto http = engine();
    for (std::size_t i = 0; i < 4; ++i) {
      auto result = http->execute(get(proxy_url("/raw/persist")));
      ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
      EXPECT_EQ(result->status, c.status);
      EXPECT_EQ(result->body, c.body);
      EXPECT_EQ(result->attempts, 1U);
    }
    EXPECT_EQ(proxy->connections(), c.connections);
    expect_path_taken(*http);
  }
}

// Bytes after a complete response ("hello" then "EXTRA" nobody asked for): the response is the
// five bytes Content-Length says, and the connection, whose state is unknown, is not reused (a
// reused one would read "EXTRA" as the start of the next response).
TEST_P(EngineWire, BytesPastTheResponseAreNotReadAsTheNextOne) {
  rules({raw_rule("/raw/excess", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", "keep")});
  auto http = engine();
  for (std::size_t i = 0; i < 3; ++i) {
    auto result = http->execute(get(proxy_url("/raw/excess")));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "hello");
    EXPECT_EQ(result->attempts, 1U);
  }
  EXPECT_EQ(proxy->hits("/raw/excess"), 3);
  EXPECT_EQ(proxy->connections(), 3);
  expect_path_taken(*http);
}

// max_idle_connection_age: a connection idle longer is not reused although nginx keeps it.
TEST_P(EngineWire, ConnectionIdleLongerThanTheMaximumAgeIsNotReused) {
  ClientConfig config;
  config.max_idle_connection_age = std::chrono::seconds(1);
  auto http = engine(config);
  const auto before = accepted();
  for (std::size_t i = 0; i < 2; ++i) {
    auto result = http->execute(get(nginx_url("/plain/" + name(i))));
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_TRUE(same_bytes(result->body, files->at(i)));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto late = http->execute(get(nginx_url("/plain/" + name(2))));
  ASSERT_TRUE(late.ok()) << late.error().describe();
  EXPECT_TRUE(same_bytes(late->body, files->at(2)));
  EXPECT_EQ(late->attempts, 1U);
  EXPECT_EQ(accepted() - before - 1, 2U);  // the first two requests shared one
  expect_path_taken(*http);
}

// A kept-alive connection that the server closes (FIN) or resets when the next request arrives,
// before any response byte, is what a connection closed while idle looks like when the close
// and the request cross: the request is sent once more on a new connection, not counted as an
// attempt. When the new connection fails the same way, that is a failed attempt, retried.
TEST_P(EngineWire, ReusedConnectionDyingBeforeTheAnswerIsResentOnce) {
  const std::string path = "/ka3/" + name(2);
  for (const char* action : {"close", "reset"}) {
    for (const int failures : {1, 2}) {
      SCOPED_TRACE(std::string(action) + " x" + std::to_string(failures));
      json answer = raw_rule(path, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", "keep");
      answer["times"] = 1;
      rules({answer, {{"path", path}, {"action", action}, {"times", failures}}});
      auto http = engine(fast_retry_config());
      auto first = http->execute(get(proxy_url(path)));
      ASSERT_TRUE(first.ok()) << first.error().describe();
      EXPECT_EQ(first->body, "first");
      auto second = http->execute(get(proxy_url(path)));
      ASSERT_TRUE(second.ok()) << second.error().describe();
      EXPECT_EQ(second->status, 200);
      EXPECT_TRUE(same_bytes(second->body, files->at(2)));
      // One failure: re-sent silently. Two: the re-sent request failed on a new connection.
      EXPECT_EQ(second->attempts, static_cast<std::uint32_t>(failures));
      // The proxy saw: the first request, the `failures` that died, the one forwarded to nginx;
      // on a connection each, except the first two which shared one.
      EXPECT_EQ(proxy->hits(path), 2 + failures);
      EXPECT_EQ(proxy->connections(), 1 + failures);
      expect_path_taken(*http);
    }
  }
}

// The server closes inside the status line or the header section: a transport failure, retried
// (it is the attempt's first connection, so nothing is re-sent uncounted).
class EngineWireCut : public EngineWire {
 protected:
  void expect_retried_after(const std::string& cut) {
    SCOPED_TRACE(cut);
    const std::string path = "/ka3/" + name(4);
    json answer = raw_rule(path, cut, "close");
    answer["times"] = 2;
    rules({answer});
    auto http = engine(fast_retry_config());
    auto result = http->execute(get(proxy_url(path)));
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_TRUE(same_bytes(result->body, files->at(4)));
    EXPECT_EQ(result->attempts, 3U);
    EXPECT_EQ(proxy->hits(path), 3);
    expect_path_taken(*http);
  }
};

TEST_P(EngineWireCut, ClosedInsideTheStatusLine) {
  expect_retried_after("HTTP/1.1 20");
}

TEST_P(EngineWireCut, ClosedAfterAnInterimResponse) {
  expect_retried_after("HTTP/1.1 100 Continue\r\n\r\n");
}

// Cut before the empty line, with a Content-Length saying a body was to come.
TEST_P(EngineWireCut, ClosedBeforeTheHeaderSectionEndedWithALengthPromised) {
  expect_retried_after("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n");
  expect_retried_after("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r");
}

// Cut before the empty line, nothing said about a body: the response never ended. (libcurl 7.88
// takes such a close as the end of the headers and of an empty body, CURLE_OK, as the curl tool
// 7.88.1 does; the engine refuses a success whose header callback never saw the empty line.)
TEST_P(EngineWireCut, ClosedBeforeTheHeaderSectionEnded) {
  for (const char* cut :
       {"HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nX-A: b\r\n", "HTTP/1.1 200 OK\r\nX-A: b",
        "HTTP/1.1 200 OK\r\nContent-Len", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n"}) {
    expect_retried_after(cut);
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, EngineWireCut, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& path) {
  return path.param ? "own_http1" : "libcurl";
});

// A response that breaks HTTP/1.1's framing is a transport failure: retried until the budget is
// spent, then kNetwork, and the message names neither the query nor a header value.
TEST_P(EngineWire, MalformedResponseFailsAfterTheBudgetWithoutLeakingSecrets) {
  rules({raw_rule("/raw/bad-length", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", "close"),
         raw_rule("/raw/bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                  "close")});
  auto config = fast_retry_config();
  config.retry.max_retries = 3;
  auto http = engine(config);
  for (const char* path : {"/raw/bad-length", "/raw/bad-chunk"}) {
    auto request = get(proxy_url(std::string(path) + "?sig=QUERYSECRET-31337&x=1"));
    request.headers.push_back({"Authorization", "Bearer HEADERSECRET-4242"});
    const auto started = std::chrono::steady_clock::now();
    auto result = http->execute(request);
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20)) << path;  // no hang
    const auto& error = result.error();
    EXPECT_EQ(error.code, ErrorCode::kNetwork) << path << ": " << error.describe();
    EXPECT_EQ(error.attempts, 4U) << path << ": " << error.describe();
    EXPECT_EQ(proxy->hits(path), 4) << path;
    for (const std::string& text : {error.message, error.describe()}) {
      EXPECT_EQ(text.find("QUERYSECRET"), std::string::npos) << text;
      EXPECT_EQ(text.find("sig="), std::string::npos) << text;
      EXPECT_EQ(text.find("HEADERSECRET"), std::string::npos) << text;
    }
    EXPECT_NE(error.message.find(path), std::string::npos) << error.message;  // the URL, without its query
  }
  expect_path_taken(*http);
}

// A URL naming a host (localhost): libcurl resolves and connects the first time, the own path
// then uses the address it learned. The Host field nginx saw must be "localhost:PORT" on every
// request, and the requests after the first share a connection.
TEST_P(EngineWire, HostNameRequestsCarryTheUrlAuthorityAsHost) {
  const auto logged_before = wire_log().size();
  const std::string authority = "localhost:" + std::to_string(server->port());
  auto http = engine();
  for (std::size_t i = 0; i < 51; ++i) {
    auto result = http->execute(get("http://" + authority + "/hosted/" + name(i) + "?i=" + std::to_string(i)));
    ASSERT_TRUE(result.ok()) << i << ": " << result.error().describe();
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->attempts, 1U);
    ASSERT_TRUE(same_bytes(result->body, files->at(i % kFiles))) << i;
  }
  // nginx's access log: "$connection "$http_host" $status $request_uri", one line per request.
  auto lines = wire_log(logged_before + 51);
  ASSERT_EQ(lines.size() - logged_before, 51U);
  std::set<std::string> connections;
  for (std::size_t i = logged_before; i < lines.size(); ++i) {
    std::istringstream fields(lines[i]);
    std::string connection;
    std::string host;
    std::string status;
    std::string uri;
    fields >> connection >> host >> status >> uri;
    EXPECT_EQ(host, "\"" + authority + "\"") << lines[i];
    EXPECT_EQ(status, "200") << lines[i];
    EXPECT_EQ(uri, "/hosted/" + name(i - logged_before) + "?i=" + std::to_string(i - logged_before)) << lines[i];
    connections.insert(connection);
  }
  // libcurl keeps its one connection; the own path has libcurl's first one and one of its own.
  EXPECT_EQ(connections.size(), GetParam() ? 2U : 1U);
  expect_path_taken(*http, 1);  // the first request went through libcurl
}

// The Host field for authorities written unusually, compared with what the curl tool (an
// independent client, libcurl's own front end) sends for the same URLs in the same order, as
// nginx logged it.
class EngineWireHost : public EngineWire {
 protected:
  // {Host fields curl sent, Host fields the engine sent}, one per URL.
  std::pair<std::vector<std::string>, std::vector<std::string>> hosts_sent(const std::vector<std::string>& urls) {
    const auto hosts_since = [&](std::size_t from) {
      std::vector<std::string> hosts;
      const auto lines = wire_log(from + urls.size());
      for (std::size_t i = from; i < lines.size(); ++i) {
        std::istringstream fields(lines[i]);
        std::string connection;
        std::string host;
        fields >> connection >> host;
        hosts.push_back(host);
      }
      return hosts;
    };
    // One curl process for all the URLs, as one engine sends them.
    const auto curl_from = wire_log().size();
    std::vector<std::string> argv = {"curl", "-s", "--fail"};
    for (const auto& url : urls) argv.insert(argv.end(), {"-o", "/dev/null", url});
    EXPECT_EQ(tdump::testing::run_command(argv).exit_code, 0);
    auto expected = hosts_since(curl_from);
    const auto from = wire_log().size();
    auto http = engine();
    for (std::size_t i = 0; i < urls.size(); ++i) {
      auto result = http->execute(get(urls[i]));
      EXPECT_TRUE(result.ok()) << urls[i] << ": " << result.error().describe();
      if (result.ok()) {
        EXPECT_TRUE(same_bytes(result->body, files->at(i % kFiles))) << urls[i];
      }
    }
    return {std::move(expected), hosts_since(from)};
  }
};

// A host name in capitals, then the same name in mixed case on the same engine: curl sends each
// URL's own spelling.
TEST_P(EngineWireHost, HostFieldKeepsEachUrlsSpellingOfTheName) {
  const std::string port = std::to_string(server->port());
  const auto [expected, seen] =
      hosts_sent({"http://LOCALHOST:" + port + "/hosted/f0.bin", "http://LocalHost:" + port + "/hosted/f1.bin",
                  "http://localhost:" + port + "/hosted/f2.bin"});
  ASSERT_EQ(expected.size(), 3U);
  EXPECT_EQ(expected[1], "\"LocalHost:" + port + "\"");  // what curl does, for the record
  EXPECT_EQ(seen, expected);
}

// A port written with a leading zero: curl sends the port as a number, without it.
TEST_P(EngineWireHost, HostFieldCarriesThePortAsANumber) {
  const std::string port = std::to_string(server->port());
  const auto [expected, seen] =
      hosts_sent({"http://127.0.0.1:0" + port + "/hosted/f0.bin", "http://127.0.0.1:" + port + "/hosted/f1.bin"});
  ASSERT_EQ(expected.size(), 2U);
  EXPECT_EQ(expected[0], "\"127.0.0.1:" + port + "\"");  // what curl does, for the record
  EXPECT_EQ(seen, expected);
}

INSTANTIATE_TEST_SUITE_P(Paths, EngineWireHost, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& path) {
  return path.param ? "own_http1" : "libcurl";
});

INSTANTIATE_TEST_SUITE_P(Paths, EngineWire, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& path) {
  return path.param ? "own_http1" : "libcurl";
});

}  // namespace
}  // namespace tdump::http
