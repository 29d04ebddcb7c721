#include "http/event_loop.hpp"

#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "http/retry_policy.hpp"

namespace tdump::http {
namespace {

using Clock = std::chrono::steady_clock;

thread_local EventLoop* t_current_loop = nullptr;

constexpr int kMaxEventsPerWait = 256;
// Wake at least this often even with nothing scheduled, so a lost wake-up can never hang the loop.
constexpr int kMaxWaitMs = 1000;
// Easy handles (so, with HTTP/1.1, connections) per multi handle when no connection limit is set.
constexpr std::size_t kHandlesPerMulti = 256;

bool later(const auto& a, const auto& b) {
  return a.due > b.due;
}

int to_http_version(long curl_version) {  // NOLINT(google-runtime-int)
  switch (curl_version) {
    case CURL_HTTP_VERSION_1_0:
      return 10;
    case CURL_HTTP_VERSION_1_1:
      return 11;
    case CURL_HTTP_VERSION_2_0:
      return 20;
    case CURL_HTTP_VERSION_3:
      return 30;
    default:
      return 0;
  }
}

ErrorCode error_code_for(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return ErrorCode::kInvalidArgument;
    case CURLE_OUT_OF_MEMORY:
      return ErrorCode::kInternal;
    default:
      return ErrorCode::kNetwork;
  }
}

// curl's error buffer is more specific than curl_easy_strerror ("Connection reset by peer"),
// but is shown only when it cannot leak anything the caller sent: no query, no userinfo, no
// header value.
bool detail_is_safe(std::string_view detail, const Request& request) {
  if (detail.find('?') != std::string_view::npos || detail.find('@') != std::string_view::npos) return false;
  return std::none_of(request.headers.begin(), request.headers.end(), [&](const HeaderField& field) {
    return field.value.size() >= 4 && detail.find(field.value) != std::string_view::npos;
  });
}

std::string describe_failure(CURLcode code, std::string_view detail, const Request& request) {
  const bool usable = !detail.empty() && detail_is_safe(detail, request);
  std::string reason = usable ? std::string(detail) : std::string(curl_easy_strerror(code));
  if (code == CURLE_PARTIAL_FILE) reason = "truncated body (" + reason + ")";
  return reason;
}

// Whether libcurl would find a proxy in the environment (per transfer it reads no_proxy,
// NO_PROXY, then <scheme>_proxy, all_proxy, ALL_PROXY: five getenv calls per request, measured
// with callgrind). Read once per engine: when none is set, CURLOPT_PROXY "" says so and libcurl
// skips the lookup.
bool environment_names_a_proxy() {
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): once, at engine start
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

// PEM text handed to libcurl without a copy: the engine's ClientConfig outlives every handle.
void set_blob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob{};
  blob.data = const_cast<char*>(pem.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast): libcurl only reads it
  blob.len = pem.size();
  blob.flags = CURL_BLOB_NOCOPY;
  curl_easy_setopt(easy, option, &blob);
}

}  // namespace

EventLoop::EventLoop(const ClientConfig& config, CURLSH* share, SharedStats& stats, const void* owner,
                     const std::atomic<bool>& retries_stopped)
    : config_(config),
      share_(share),
      stats_(stats),
      owner_(owner),
      retries_stopped_(retries_stopped),
      proxy_from_environment_(environment_names_a_proxy()),
      rng_(std::random_device{}()) {}

EventLoop::~EventLoop() {
  request_stop();
  join();
  plain_.reset();
  for (auto& slot : slots_) curl_easy_cleanup(slot->easy);
  for (auto& multi : multis_) curl_multi_cleanup(multi->handle);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

EventLoop* EventLoop::current() noexcept {
  return t_current_loop;
}

Status EventLoop::start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return make_error(ErrorCode::kInternal, fmt::format("epoll/eventfd: {}", std::generic_category().message(errno)));
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0) {
    return make_error(ErrorCode::kInternal, fmt::format("epoll_ctl: {}", std::generic_category().message(errno)));
  }
  if (add_multi() == nullptr) return make_error(ErrorCode::kInternal, "curl_multi_init failed");
  // libcurl keeps what the plain path does not do: proxies, and connection limits (it counts
  // connections per multi handle).
  const bool limited = config_.max_connections_per_host != 0 || config_.max_total_connections != 0;
  if (config_.own_http1 && config_.proxy.empty() && !proxy_from_environment_ && !limited) {
    plain_ = std::make_unique<PlainHttp>(config_, epoll_fd_, static_cast<PlainHttpOwner&>(*this));
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

EventLoop::Multi* EventLoop::add_multi() {
  auto multi = std::make_unique<Multi>();
  multi->loop = this;
  multi->handle = curl_multi_init();
  if (multi->handle == nullptr) return nullptr;
  CURLM* handle = multi->handle;
  // With several loops, each multi handle gets its share of the connection limits (a loop has
  // only one multi handle when limits are set).
  const auto per_loop = [this](std::uint32_t total) -> long {  // NOLINT(google-runtime-int)
    const std::uint32_t loops = std::max<std::uint32_t>(config_.loops, 1);
    return static_cast<long>((total + loops - 1) / loops);  // NOLINT(google-runtime-int)
  };
  curl_multi_setopt(handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  if (config_.max_connections_per_host != 0) {
    curl_multi_setopt(handle, CURLMOPT_MAX_HOST_CONNECTIONS, per_loop(config_.max_connections_per_host));
  }
  if (config_.max_total_connections != 0) {
    curl_multi_setopt(handle, CURLMOPT_MAX_TOTAL_CONNECTIONS, per_loop(config_.max_total_connections));
  }
  curl_multi_setopt(handle, CURLMOPT_SOCKETFUNCTION, &EventLoop::on_socket);
  curl_multi_setopt(handle, CURLMOPT_SOCKETDATA, multi.get());
  curl_multi_setopt(handle, CURLMOPT_TIMERFUNCTION, &EventLoop::on_timer);
  curl_multi_setopt(handle, CURLMOPT_TIMERDATA, multi.get());
  multis_.push_back(std::move(multi));
  return multis_.back().get();
}

void EventLoop::enqueue(std::unique_ptr<Transfer> transfer) {
  bool write_wake = false;
  {
    std::unique_lock lock(incoming_mutex_);
    if (!accepting_) {
      lock.unlock();
      auto callback = std::move(transfer->callback);
      Error error = make_error(ErrorCode::kCancelled, transfer->request.method + " " + transfer->display_url +
                                                          ": the HTTP engine is shut down");
      transfer.reset();
      SharedStats::add(stats_.failures);
      SharedStats::add(stats_.requests);
      stats_.in_flight.fetch_sub(1, std::memory_order_relaxed);
      if (callback) callback(std::move(error));
      return;
    }
    incoming_.push_back(std::move(transfer));
    // The loop thread picks up its own submissions before it next waits; others must wake it,
    // but one eventfd write per batch is enough.
    if (!wake_pending_ && t_current_loop != this) {
      wake_pending_ = true;
      write_wake = true;
    }
  }
  if (write_wake) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
  }
}

void EventLoop::request_stop() {
  if (stop_requested_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
  }
}

void EventLoop::wake() {
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = write(wake_fd_, &one, sizeof one);
  }
}

void EventLoop::join() {
  if (thread_.joinable()) thread_.join();
}

void EventLoop::run() {
  t_current_loop = this;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    wait_and_dispatch();
    drain_completions();
    if (!retries_.empty() && retries_stopped_.load(std::memory_order_acquire)) cancel_pending_retries();
    start_due_retries();
    expire_deadlines();
    take_incoming();
    drain_completions();
  }
  cancel_everything();
  t_current_loop = nullptr;
}

int EventLoop::next_wait_ms() const {
  {
    std::lock_guard lock(incoming_mutex_);
    if (!incoming_.empty()) return 0;
  }
  auto wait = std::chrono::milliseconds(kMaxWaitMs);
  const auto now = Clock::now();
  auto consider = [&](Clock::time_point due) {
    // Round up: waking a fraction of a millisecond early would only spin.
    const auto until = std::chrono::ceil<std::chrono::milliseconds>(due - now);
    wait = std::clamp(until, std::chrono::milliseconds(0), wait);
  };
  for (const auto& multi : multis_) {
    if (multi->deadline) consider(*multi->deadline);
  }
  if (!retries_.empty()) consider(retries_.front().due);
  if (!first_byte_due_.empty()) consider(first_byte_due_.front().due);
  if (plain_ != nullptr && plain_->has_deadline()) consider(plain_->next_deadline());
  return static_cast<int>(wait.count());
}

void EventLoop::wait_and_dispatch() {
  std::array<epoll_event, kMaxEventsPerWait> events{};
  const int count = epoll_wait(epoll_fd_, events.data(), kMaxEventsPerWait, next_wait_ms());
  // The plain path's answers are taken in the order their requests were sent, not in the order
  // epoll lists them (not the order of arrival: rows came out in runs of reversed key order while
  // nginx answered in key order): a server answering in order then gives rows in key order, which
  // the Parquet columns of paths and URLs compress better (up to 20 % smaller files measured), and
  // the oldest request is served first. libcurl's descriptors keep their place, ahead of ours.
  std::array<std::pair<std::uint64_t, int>, kMaxEventsPerWait> order{};
  const auto n = static_cast<std::size_t>(std::max(count, 0));
  for (std::size_t i = 0; i < n; ++i) {
    order.at(i) = {plain_ != nullptr ? plain_->send_order(events.at(i).data.fd) : 0, static_cast<int>(i)};
  }
  if (plain_ != nullptr && n > 1) std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n));
  int running = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& event = events.at(static_cast<std::size_t>(order.at(k).second));
    if (event.data.fd == wake_fd_) {
      std::uint64_t drained = 0;
      [[maybe_unused]] const auto got = read(wake_fd_, &drained, sizeof drained);
      continue;
    }
    if (plain_ != nullptr && plain_->on_event(event.data.fd, event.events)) continue;
    if (!claim_event(event.data.fd)) continue;
    Multi* owner = fd_state(event.data.fd).owner;
    if (owner == nullptr) continue;  // never asked for by libcurl (cannot happen for a wanted socket)
    int flags = 0;
    if ((event.events & EPOLLIN) != 0) flags |= CURL_CSELECT_IN;
    if ((event.events & EPOLLOUT) != 0) flags |= CURL_CSELECT_OUT;
    if ((event.events & (EPOLLERR | EPOLLHUP)) != 0) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(owner->handle, event.data.fd, flags, &running);
  }
  const auto now = Clock::now();
  // By index: a timeout's callbacks never add multi handles, but stay safe if they did.
  for (std::size_t i = 0; i < multis_.size(); ++i) {
    Multi& multi = *multis_[i];
    if (multi.deadline && *multi.deadline <= now) {
      multi.deadline.reset();  // the timer callback may set a new one during the call
      curl_multi_socket_action(multi.handle, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }
}

void EventLoop::take_incoming() {
  std::vector<std::unique_ptr<Transfer>> batch;
  {
    std::lock_guard lock(incoming_mutex_);
    batch.swap(incoming_);
    wake_pending_ = false;
  }
  for (auto& transfer : batch) start_attempt(transfer.release());
}

void EventLoop::start_due_retries() {
  if (retries_.empty()) return;  // the common case: no clock read
  const auto now = Clock::now();
  while (!retries_.empty() && retries_.front().due <= now) {
    std::pop_heap(retries_.begin(), retries_.end(), [](const auto& a, const auto& b) { return later(a, b); });
    Transfer* transfer = retries_.back().transfer;
    retries_.pop_back();
    start_attempt(transfer);
  }
}

void EventLoop::expire_deadlines() {
  if (plain_ != nullptr && plain_->has_deadline()) {
    const auto now = Clock::now();
    if (plain_->next_deadline() <= now) plain_->expire(now);
  }
  if (first_byte_due_.empty()) return;
  const auto now = Clock::now();
  while (!first_byte_due_.empty() && first_byte_due_.front().due <= now) {
    std::pop_heap(first_byte_due_.begin(), first_byte_due_.end(),
                  [](const auto& a, const auto& b) { return later(a, b); });
    const FirstByteDeadline deadline = first_byte_due_.back();
    first_byte_due_.pop_back();
    Slot* slot = deadline.slot;
    // Stale when the slot has moved on to another attempt, or when the response has begun.
    if (slot->use != deadline.use || slot->transfer == nullptr || slot->transfer->responding) continue;
    const auto text =
        fmt::format("no response within the first-byte timeout of {} ms", config_.first_byte_timeout.count());
    const auto length = std::min(text.size(), slot->error.size() - 1);
    std::copy_n(text.begin(), length, slot->error.begin());
    slot->error.at(length) = '\0';
    on_done(slot, CURLE_OPERATION_TIMEDOUT);  // removes the handle: the attempt is abandoned
  }
}

void EventLoop::drain_completions() {
  int left = 0;
  for (std::size_t i = 0; i < multis_.size(); ++i) {
    while (CURLMsg* message = curl_multi_info_read(multis_[i]->handle, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      // Copy out before the handle is removed: the message is freed with it.
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      Slot* slot = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
      on_done(slot, code);
    }
  }
}

EventLoop::Slot* EventLoop::acquire_slot() {
  if (!free_slots_.empty()) {
    Slot* slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  auto slot = std::make_unique<Slot>();
  slot->easy = curl_easy_init();
  if (slot->easy == nullptr) return nullptr;
  // Handles 0-255 go to the first multi handle, 256-511 to the second, ...: each multi handle
  // keeps at most kHandlesPerMulti connections (HTTP/1.1). Limits apply per multi handle, so
  // with a limit set there is only one.
  const bool limited = config_.max_connections_per_host != 0 || config_.max_total_connections != 0;
  const std::size_t wanted = limited ? 1 : slots_.size() / kHandlesPerMulti + 1;
  if (multis_.size() < wanted) add_multi();  // on failure the last one takes it
  slot->multi = multis_[std::min(wanted, multis_.size()) - 1].get();
  SharedStats::add(stats_.easy_handles);
  slots_.push_back(std::move(slot));
  return slots_.back().get();
}

void EventLoop::release_slot(Slot* slot) {
  curl_multi_remove_handle(slot->multi->handle, slot->easy);
  slot->transfer = nullptr;
  free_slots_.push_back(slot);
}

void EventLoop::configure_handle(Slot& slot) {
  CURL* easy = slot.easy;
  // Back to defaults (its connections live on in the multi handle), then the engine's options.
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &slot);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot.error.data());
  curl_easy_setopt(easy, CURLOPT_SHARE, share_);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // Object keys may hold "." and ".." segments ("a/../b.tif" is a valid S3 key): send paths as
  // given, never normalised, or we would read (and sign) another key.
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  // Never follow a redirect: libcurl would carry our headers (security tokens, bearer tokens)
  // to whatever host the Location names. A 3xx is the caller's Response (http/redirect.hpp).
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  if (config_.low_speed_time.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(config_.low_speed_bytes));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.low_speed_time.count()));
  }
  if (config_.http2) {
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  }
  // The User-Agent travels in each request's header list (Transfer): CURLOPT_USERAGENT would be
  // formatted by libcurl's printf on every transfer.
  if (!config_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.ca_pem.empty()) set_blob(easy, CURLOPT_CAINFO_BLOB, config_.ca_pem);
  if (!config_.system_ca) {
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
    if (config_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, nullptr);
  }
  if (!config_.proxy.empty()) {
    curl_easy_setopt(easy, CURLOPT_PROXY, config_.proxy.c_str());
    // Always set: "" means no host bypasses the proxy, whatever no_proxy in the environment says.
    curl_easy_setopt(easy, CURLOPT_NOPROXY, config_.no_proxy.c_str());
    if (!config_.proxy_ca_file.empty()) curl_easy_setopt(easy, CURLOPT_PROXY_CAINFO, config_.proxy_ca_file.c_str());
    if (!config_.proxy_ca_pem.empty()) set_blob(easy, CURLOPT_PROXY_CAINFO_BLOB, config_.proxy_ca_pem);
  } else if (!proxy_from_environment_) {
    // No proxy, as the environment names none; NOPROXY set too, or libcurl reads no_proxy and
    // NO_PROXY for every transfer anyway.
    curl_easy_setopt(easy, CURLOPT_PROXY, "");
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
  }
  if (config_.max_idle_connection_age.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_MAXAGE_CONN, static_cast<long>(config_.max_idle_connection_age.count()));
  }
  if (!config_.verify_tls) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (config_.receive_buffer_bytes != 0) {
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, static_cast<long>(config_.receive_buffer_bytes));
  }
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &EventLoop::on_open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &EventLoop::on_close_socket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &transfer_write_body);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &transfer_write_header);
}

void EventLoop::configure_request(Slot& slot, Transfer& transfer) const {
  CURL* easy = slot.easy;
  const Request& request = transfer.request;
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  // Over TLS, wait for the first connection's ALPN answer and multiplex on it rather than open
  // one connection per request at start-up. Never for http://: libcurl would learn that the
  // connection is HTTP/1.1 only from its first response, and a slow one would hold up all others.
  const bool tls = request.url.size() >= 8 && strncasecmp(request.url.c_str(), "https://", 8) == 0;
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, config_.http2 && tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.header_list());
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    // POSTFIELDS sends the buffer as is (no copy); CUSTOMREQUEST above keeps the method.
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
  }
}

void EventLoop::start_attempt(Transfer* transfer) {
  transfer->begin_attempt();
  ++transfer->attempts;
  SharedStats::add(stats_.attempts);
  if (transfer->attempts == 1) transfer->first_attempt_start = Clock::now();
  if (plain_ != nullptr && plain_->start(transfer)) return;
  Slot* slot = acquire_slot();
  if (slot == nullptr) {
    finish(transfer, make_error(ErrorCode::kInternal, "curl_easy_init failed"));
    return;
  }
  slot->error.front() = '\0';
  slot->transfer = transfer;
  ++slot->use;
  // The hot path (a GET after a GET) skips the reset: it would also free and reallocate
  // libcurl's receive buffer. Anything else starts from a reset handle, so no method, body or
  // option of an earlier request can leak into this one.
  const bool plain_get = transfer->request.method == "GET" && transfer->request.body.empty();
  if (!(plain_get && slot->configured_for_plain_get)) configure_handle(*slot);
  slot->configured_for_plain_get = plain_get;
  configure_request(*slot, *transfer);
  const CURLMcode added = curl_multi_add_handle(slot->multi->handle, slot->easy);
  if (added == CURLM_OK && config_.first_byte_timeout.count() > 0) {
    first_byte_due_.push_back(FirstByteDeadline{Clock::now() + config_.first_byte_timeout, slot, slot->use});
    std::push_heap(first_byte_due_.begin(), first_byte_due_.end(),
                   [](const auto& a, const auto& b) { return later(a, b); });
  }
  if (added != CURLM_OK) {
    slot->transfer = nullptr;
    free_slots_.push_back(slot);
    finish(transfer,
           make_error(ErrorCode::kInternal, std::string("curl_multi_add_handle: ") + curl_multi_strerror(added)));
  }
}

void EventLoop::on_done(Slot* slot, CURLcode code) {
  Transfer* transfer = slot->transfer;
  CURL* easy = slot->easy;
  long status = 0;    // NOLINT(google-runtime-int)
  long connects = 0;  // NOLINT(google-runtime-int)
  long version = 0;   // NOLINT(google-runtime-int)
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
  if (transfer->plain_origin != nullptr && plain_ != nullptr) plain_->on_libcurl_done(transfer, easy);
  AttemptEnd end;
  end.status = static_cast<int>(status);
  end.version = to_http_version(version);
  end.connections_opened = static_cast<std::uint64_t>(std::max(connects, 0L));
  end.detail.assign(slot->error.data());
  release_slot(slot);
  // libcurl 7.88 takes a connection closed before the empty line that ends the header section as
  // the end of the headers and, with no Content-Length, of an empty body: a success. The response
  // never ended, so it is a transport failure (retried), as the own path reports it.
  if (code == CURLE_OK && transfer->responding && !transfer->headers_ended) {
    code = CURLE_RECV_ERROR;
    end.detail = "connection closed inside the response header section";
  }
  conclude(transfer, code, end);
}

void EventLoop::on_attempt_end(Transfer* transfer, AttemptEnd end) {
  conclude(transfer, end.code, end);
}

void EventLoop::conclude(Transfer* transfer, CURLcode code, const AttemptEnd& end) {
  Response& response = transfer->response;
  response.status = end.status;
  response.http_version = end.version;
  response.attempts = transfer->attempts;
  SharedStats::add(stats_.connections_opened, end.connections_opened);
  SharedStats::add(stats_.bytes_received, response.body.size());
  const std::string_view detail = end.detail;

  const bool capped = code == CURLE_WRITE_ERROR && transfer->capped;
  bool budget_exhausted = false;
  if (code == CURLE_OK || capped) {
    response.body_capped = capped;
    if (is_retryable_status(response.status)) {
      std::optional<std::chrono::milliseconds> retry_after;
      if (auto value = response.header("retry-after")) {
        retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
      }
      if (schedule_retry(transfer, retry_after, budget_exhausted)) return;
      if (const char* why = retry_refusal()) {
        Error error =
            make_error(ErrorCode::kCancelled, fmt::format("{} {}: HTTP {}; not retried: {}", transfer->request.method,
                                                          transfer->display_url, response.status, why));
        error.http_status = response.status;
        error.attempts = transfer->attempts;
        finish(transfer, std::move(error));
        return;
      }
    }
    // Any status, retried to exhaustion or not, is the caller's to interpret (S3 error codes).
    // Redirects are never followed: the effective URL is the request's display URL (moved, not
    // copied: the transfer ends here).
    response.effective_url = std::move(transfer->display_url);
    finish(transfer, std::move(response));
    return;
  }
  if (is_retryable_curl_code(code) && schedule_retry(transfer, std::nullopt, budget_exhausted)) return;
  const char* why = is_retryable_curl_code(code) ? retry_refusal() : nullptr;
  if (why != nullptr) {
    Error error = make_error(ErrorCode::kCancelled,
                             fmt::format("{} {}: {}; not retried: {}", transfer->request.method, transfer->display_url,
                                         describe_failure(code, detail, transfer->request), why));
    error.attempts = transfer->attempts;
    finish(transfer, std::move(error));
    return;
  }
  std::string message = fmt::format("{} {}: {}", transfer->request.method, transfer->display_url,
                                    describe_failure(code, detail, transfer->request));
  if (budget_exhausted) {
    message += fmt::format(" (retry time budget of {} ms exhausted)", config_.retry.retry_timeout.count());
  }
  Error error = make_error(error_code_for(code), std::move(message));
  error.http_status = response.status;
  error.attempts = transfer->attempts;
  finish(transfer, std::move(error));
}

const char* EventLoop::retry_refusal() const {
  // A shutdown cancels what would have been retried, as it cancels what waits for a retry
  // (otherwise an attempt failing in the loop's last turn came back as its transport error).
  if (stop_requested_.load(std::memory_order_acquire)) return "the engine is shutting down";
  if (retries_stopped_.load(std::memory_order_acquire)) return "retries were stopped";
  return nullptr;
}

bool EventLoop::schedule_retry(Transfer* transfer, std::optional<std::chrono::milliseconds> retry_after,
                               bool& budget_exhausted) {
  if (stop_requested_.load(std::memory_order_relaxed) || retries_stopped_.load(std::memory_order_acquire)) return false;
  const auto now = Clock::now();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - transfer->first_attempt_start);
  const RetryDecision decision = decide_retry(config_.retry, transfer->attempts - 1, elapsed, retry_after, rng_);
  budget_exhausted = decision.budget_exhausted;
  if (!decision.retry) return false;
  SharedStats::add(stats_.retries);
  retries_.push_back(PendingRetry{now + decision.delay, transfer});
  std::push_heap(retries_.begin(), retries_.end(), [](const auto& a, const auto& b) { return later(a, b); });
  return true;
}

void EventLoop::finish(Transfer* transfer, Result<Response> result) {
  std::unique_ptr<Transfer> owned(transfer);
  SharedStats::add(stats_.requests);
  if (!result.ok()) SharedStats::add(stats_.failures);
  stats_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  auto callback = std::move(owned->callback);
  owned.reset();  // free the request (and its secrets) before the callback runs
  if (!callback) return;
  try {
    callback(std::move(result));
  } catch (...) {  // NOLINT(bugprone-empty-catch): a throwing callback must not take the loop down
  }
}

void EventLoop::cancel_pending_retries() {
  std::vector<PendingRetry> pending;
  pending.swap(retries_);
  for (auto& retry : pending) {
    Transfer* transfer = retry.transfer;
    Error error = make_error(ErrorCode::kCancelled, transfer->request.method + " " + transfer->display_url +
                                                        ": retry cancelled: retries were stopped");
    error.attempts = transfer->attempts;
    error.http_status = transfer->response.status;
    finish(transfer, std::move(error));
  }
}

void EventLoop::cancel_everything() {
  auto cancelled = [](const Transfer& transfer) {
    return make_error(ErrorCode::kCancelled,
                      transfer.request.method + " " + transfer.display_url + ": cancelled by engine shutdown");
  };
  if (plain_ != nullptr) {
    for (Transfer* transfer : plain_->abandon_all()) {
      Error error = cancelled(*transfer);
      error.attempts = transfer->attempts;
      finish(transfer, std::move(error));
    }
  }
  for (auto& slot : slots_) {
    if (slot->transfer == nullptr) continue;
    Transfer* transfer = slot->transfer;
    release_slot(slot.get());
    Error error = cancelled(*transfer);
    error.attempts = transfer->attempts;
    finish(transfer, std::move(error));
  }
  for (auto& pending : retries_) {
    Error error = cancelled(*pending.transfer);
    error.attempts = pending.transfer->attempts;
    finish(pending.transfer, std::move(error));
  }
  retries_.clear();
  // Callbacks above may have submitted more; keep draining until nothing new arrives, then
  // close the door so later submissions are failed on their own thread.
  for (;;) {
    std::vector<std::unique_ptr<Transfer>> batch;
    {
      std::lock_guard lock(incoming_mutex_);
      if (incoming_.empty()) {
        accepting_ = false;
        break;
      }
      batch.swap(incoming_);
    }
    for (auto& transfer : batch) {
      Error error = cancelled(*transfer);
      finish(transfer.release(), std::move(error));
    }
  }
}

EventLoop::FdState& EventLoop::fd_state(curl_socket_t fd) {
  const auto index = static_cast<std::size_t>(fd);
  if (index >= fds_.size()) fds_.resize(std::max(index + 1, fds_.size() * 2));
  return fds_[index];
}

bool EventLoop::claim_event(curl_socket_t fd) {
  FdState& state = fd_state(fd);
  if (!state.ours || state.wanted) return true;
  // An idle keep-alive socket became readable (the server closed it, most likely). Stop
  // watching it; libcurl finds it dead when it next considers reusing it.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  state.registered = false;
  return false;
}

int EventLoop::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* self, void* /*socket_data*/) {
  auto* multi = static_cast<Multi*>(self);
  EventLoop* loop = multi->loop;
  FdState& state = loop->fd_state(fd);
  state.owner = multi;
  if (what == CURL_POLL_REMOVE) {
    state.wanted = false;
    if (!state.ours && state.registered) {
      epoll_ctl(loop->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      state.registered = false;
    }
    return 0;
  }
  std::uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
  state.wanted = true;
  // Only our own sockets are known not to have been closed and replaced behind our back.
  if (state.ours && state.registered && state.events == events) return 0;
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  const int first = state.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(loop->epoll_fd_, first, fd, &event) != 0) {
    // Closed and reused without our knowledge (ENOENT), or still there (EEXIST): the other way.
    epoll_ctl(loop->epoll_fd_, first == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
  }
  state.registered = true;
  state.events = events;
  return 0;
}

curl_socket_t EventLoop::on_open_socket(void* self, curlsocktype /*purpose*/, curl_sockaddr* address) {
  auto* loop = static_cast<EventLoop*>(self);
  const curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd == CURL_SOCKET_BAD) return fd;
  FdState& state = loop->fd_state(fd);
  state = FdState{};  // a new socket is in no epoll set, whatever this number was before
  state.ours = true;
  return fd;
}

int EventLoop::on_close_socket(void* self, curl_socket_t fd) {
  auto* loop = static_cast<EventLoop*>(self);
  // Closing the descriptor also takes it out of the epoll set.
  loop->fd_state(fd) = FdState{};
  return close(fd);
}

int EventLoop::on_timer(CURLM* /*multi*/, long timeout_ms, void* self) {  // NOLINT(google-runtime-int)
  auto* multi = static_cast<Multi*>(self);
  if (timeout_ms < 0) {
    multi->deadline.reset();
  } else {
    multi->deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace tdump::http
