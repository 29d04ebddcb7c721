#include "http_test_helpers.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>

#include "net.hpp"

namespace tdump::http::testing {

std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

Request range_get(const std::string& url, std::uint64_t offset, std::uint64_t length) {
  Request request;
  request.url = url;
  request.headers.push_back({"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)});
  return request;
}

std::vector<Result<Response>> run_all(Engine& engine, std::vector<Request> requests) {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::optional<Result<Response>>> slots(requests.size());
  std::size_t remaining = requests.size();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    engine.submit(std::move(requests[i]), [&, i](Result<Response> result) {
      std::lock_guard lock(mutex);
      slots[i].emplace(std::move(result));
      if (--remaining == 0) done.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return remaining == 0; });
  std::vector<Result<Response>> out;
  out.reserve(slots.size());
  for (auto& slot : slots) out.push_back(std::move(*slot));
  return out;
}

std::uint64_t nginx_accepted_connections(std::uint16_t port, const std::string& status_path) {
  // "Active connections: 1 \nserver accepts handled requests\n 5 5 12 \n..."
  auto response = tdump::testing::simple_http("GET", port, status_path);
  if (response.status != 200) throw std::runtime_error("stub_status answered " + std::to_string(response.status));
  std::istringstream in(response.body);
  std::string line;
  std::getline(in, line);
  std::getline(in, line);
  std::uint64_t accepts = 0;
  in >> accepts;
  return accepts;
}

::testing::AssertionResult same_bytes(const std::string& actual, const std::string& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  std::size_t first = 0;
  while (first < actual.size() && first < expected.size() && actual[first] == expected[first]) ++first;
  return ::testing::AssertionFailure() << "got " << actual.size() << " bytes, expected " << expected.size()
                                       << ", first difference at byte " << first;
}

ClientConfig fast_retry_config() {
  ClientConfig config;
  config.connect_timeout = std::chrono::milliseconds(2000);
  config.timeout = std::chrono::milliseconds(3000);
  config.retry.max_retries = 5;
  config.retry.init_backoff = std::chrono::milliseconds(5);
  config.retry.max_backoff = std::chrono::milliseconds(50);
  config.retry.retry_timeout = std::chrono::milliseconds(30'000);
  return config;
}

}  // namespace tdump::http::testing
