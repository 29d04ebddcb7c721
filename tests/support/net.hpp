#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace tdump::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
std::uint16_t free_port();

// Polls until a TCP connect to 127.0.0.1:port succeeds; false on timeout.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

// Minimal blocking HTTP/1.1 client for test setup (uploads, bucket creation) with no
// dependency on the code under test. Returns the status code, or -1 on a transport failure.
struct SimpleResponse {
  int status = -1;
  std::string headers;
  std::string body;
};
SimpleResponse simple_http(const std::string& method, std::uint16_t port, const std::string& target,
                           const std::string& body = {}, const std::string& extra_headers = {},
                           const std::string& host = "127.0.0.1");

}  // namespace tdump::testing
