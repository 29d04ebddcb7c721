#pragma once
// Helpers shared by the engine's server tests.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/engine.hpp"

namespace tdump::http::testing {

// Deterministic pseudo-random bytes (the content of test files).
std::string random_bytes(std::size_t size, std::uint64_t seed);

// A GET with a Range header for [offset, offset + length).
Request range_get(const std::string& url, std::uint64_t offset, std::uint64_t length);

// Submits every request at once and waits for all results, in submission order.
std::vector<Result<Response>> run_all(Engine& engine, std::vector<Request> requests);

// nginx stub_status: the "accepts" counter (connections nginx accepted), read over a raw socket.
std::uint64_t nginx_accepted_connections(std::uint16_t port, const std::string& status_path);

// Byte-exact comparison that reports sizes and the first difference instead of dumping binary.
::testing::AssertionResult same_bytes(const std::string& actual, const std::string& expected);

// A config with small timeouts and backoffs so fault tests run fast.
ClientConfig fast_retry_config();

}  // namespace tdump::http::testing
