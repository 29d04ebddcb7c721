#pragma once
// One submitted request across all its attempts: what to send, where the response goes,
// and the bookkeeping the retry policy needs. Owned by exactly one event loop once queued.
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/engine.hpp"

namespace tdump::http {

struct Transfer {
  // `user_agent` goes into the header list (unless the request names its own): set there once per
  // request, it costs libcurl no formatting (CURLOPT_USERAGENT is printf-formatted per transfer).
  Transfer(Request request_in, Engine::Callback callback_in, std::string_view user_agent = {});
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer();

  // Clears what a previous attempt received, keeping the body's reserved capacity.
  void begin_attempt();

  Request request;
  Engine::Callback callback;
  std::string display_url;
  // libcurl's header list, built on first use (the plain HTTP/1.1 path writes the request itself
  // and never needs it) and reused by every attempt; points into header_nodes_ (null when there
  // are no headers).
  curl_slist* header_list();
  Response response;
  bool capped = false;      // the body reached max_body_bytes and the transfer was stopped on purpose
  bool responding = false;  // a status line arrived in this attempt
  // libcurl's header callback saw the empty line ending the final response's header section (the
  // own path's H1ResponseReader knows it itself).
  bool headers_ended = false;
  std::uint32_t attempts = 0;
  std::chrono::steady_clock::time_point first_attempt_start{};
  // Set when the plain HTTP/1.1 path left this attempt to libcurl for want of the host's address
  // (PlainHttp::Origin): the loop lets it learn where libcurl connected.
  void* plain_origin = nullptr;

 private:
  std::string_view user_agent_;  // the engine's (it outlives every transfer)
  bool header_list_built_ = false;
  std::string header_text_;  // the header lines, NUL-separated (may hold secrets: never logged)
  std::vector<curl_slist> header_nodes_;
};

// libcurl callbacks; `userdata` is the Transfer.
std::size_t transfer_write_body(char* data, std::size_t size, std::size_t count, void* userdata);
std::size_t transfer_write_header(char* data, std::size_t size, std::size_t count, void* userdata);
// One field of the final response, its name and value already split out and trimmed (what
// transfer_write_header does with a line; the own path's reader hands fields over this way).
void transfer_add_header(Transfer* transfer, std::string_view name, std::string_view value);

}  // namespace tdump::http
