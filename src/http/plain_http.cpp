#include "http/plain_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "http/authority.hpp"

namespace tdump::http {
namespace {

// How long an address learned from libcurl is used: libcurl's own DNS cache time
// (CURLOPT_DNS_CACHE_TIMEOUT's default).
constexpr std::chrono::seconds kAddressLifetime{60};
// An idle connection older than this is closed rather than reused, as libcurl does by default
// (CURLOPT_MAXAGE_CONN); ClientConfig::max_idle_connection_age overrides it.
constexpr std::chrono::seconds kDefaultMaxIdleAge{118};
constexpr std::size_t kNotInHeap = static_cast<std::size_t>(-1);
constexpr std::size_t kMinBuffer = std::size_t{16} * 1024;

bool safe_text(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// "http://authority/path?query#fragment" -> authority and request target; false when the URL is
// not one this path sends (another scheme, userinfo, bytes a request line cannot carry).
bool split_url(std::string_view url, std::string_view& authority, std::string_view& target) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() <= kScheme.size() || strncasecmp(url.data(), kScheme.data(), kScheme.size()) != 0) return false;
  url.remove_prefix(kScheme.size());
  if (const auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  const auto end = url.find_first_of("/?");
  authority = url.substr(0, end);
  target = end == std::string_view::npos ? std::string_view{} : url.substr(end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  return std::all_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F;
  });
}

// The header and body sinks shared with libcurl take char* (libcurl's callback signature); they
// only read it.
char* callback_bytes(std::string_view data) {
  return const_cast<char*>(data.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast): only read
}

}  // namespace

struct PlainHttp::Origin {
  std::string host;  // for messages and addresses: the name or address, without brackets
  std::uint16_t port = 80;
  bool literal = false;  // an IP literal: the address never needs learning
  bool known = false;
  Clock::time_point learned{};
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::vector<Conn*> idle;  // LIFO: the most recently used connection is the most likely alive
};

struct PlainHttp::Conn final : H1ResponseSink {
  enum class Phase : std::uint8_t { kConnecting, kSending, kReceiving, kIdle };

  int fd = -1;
  Origin* origin = nullptr;
  Phase phase = Phase::kIdle;
  std::uint32_t events = 0;  // registered with epoll
  Transfer* transfer = nullptr;
  std::string out;  // the request bytes (may hold secrets: never logged)
  std::size_t sent = 0;
  int connect_errno = 0;  // connect() failed at once with this
  H1ResponseReader reader;
  bool reused = false;            // this attempt's request went on a connection that carried one before
  bool opened_here = false;       // this attempt opened the connection (counted once)
  std::uint64_t connections = 0;  // connections this attempt opened
  std::uint64_t sequence = 0;     // PlainHttp::sent_ when this attempt began
  std::size_t heap_index = kNotInHeap;
  Clock::time_point start{};
  Clock::time_point window_start{};  // low-speed window
  Clock::time_point idle_since{};
  std::uint64_t bytes = 0;
  std::uint64_t window_bytes = 0;

  void on_status_line(std::string_view line) override {
    transfer_write_header(callback_bytes(line), 1, line.size(), transfer);
  }
  void on_header_line(std::string_view /*line*/, std::string_view name, std::string_view value) override {
    transfer_add_header(transfer, name, value);
  }
  bool on_body(std::string_view data) override {
    if (data.empty()) return true;
    return transfer_write_body(callback_bytes(data), 1, data.size(), transfer) == data.size();
  }
};

PlainHttp::PlainHttp(const ClientConfig& config, int epoll_fd, PlainHttpOwner& owner)
    : config_(config),
      epoll_fd_(epoll_fd),
      owner_(owner),
      max_idle_age_(config.max_idle_connection_age.count() > 0 ? config.max_idle_connection_age : kDefaultMaxIdleAge),
      buffer_(std::max<std::size_t>(config.receive_buffer_bytes, kMinBuffer)) {}

PlainHttp::~PlainHttp() {
  for (auto& conn : pool_) {
    if (conn->fd >= 0) close(conn->fd);
  }
}

namespace {

// An IP address in text (as in a URL, or libcurl's CURLINFO_PRIMARY_IP) with a port, as a socket
// address; false when the text is no IPv4 or IPv6 address.
bool to_socket_address(const char* ip, std::uint16_t port, sockaddr_storage& address, socklen_t& length) {
  address = sockaddr_storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);   // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

}  // namespace

PlainHttp::Origin* PlainHttp::origin_for(std::string_view authority) {
  // Most requests go to the URL spelled as the last one was: its Host field is reused as is.
  if (last_origin_ != nullptr && authority == last_authority_) return last_origin_;
  const auto split = split_authority(authority);
  // Port 0 (or "[]") is libcurl's to refuse, in its words.
  if (!split || split->port == 0 || split->host == "[]") return nullptr;
  const std::string_view host = split->host;
  const std::uint16_t port = split->port.value_or(80);
  // The Host field as libcurl writes it: this URL's spelling of the host, the port as a number,
  // left out when it is 80 (signatures are made over the same text).
  last_host_header_.assign(host);
  if (port != 80) last_host_header_.append(":").append(std::to_string(port));
  // One pool per origin: the host without case, and the port.
  std::string key(host);
  std::transform(key.begin(), key.end(), key.begin(), ascii_lower);
  key.append(":").append(std::to_string(port));
  auto found = origins_.find(key);
  if (found == origins_.end()) {
    auto origin = std::make_unique<Origin>();
    origin->port = port;
    origin->host.assign(host.front() == '[' ? host.substr(1, host.size() - 2) : host);
    origin->literal = origin->known =
        to_socket_address(origin->host.c_str(), port, origin->address, origin->address_length);
    found = origins_.emplace(std::move(key), std::move(origin)).first;
  }
  last_authority_.assign(authority);
  last_origin_ = found->second.get();
  return last_origin_;
}

bool PlainHttp::start(Transfer* transfer) {
  const Request& request = transfer->request;
  if (request.method != "GET" || !request.body.empty()) return false;
  std::string_view authority;
  std::string_view target;
  if (!split_url(request.url, authority, target)) return false;
  Origin* origin = origin_for(authority);
  if (origin == nullptr) return false;
  // The request bytes, checked as they are written: a header value with a line break is left to
  // libcurl (and its rules), never sent by us.
  std::size_t bytes = 64 + target.size() + last_host_header_.size() + config_.user_agent.size();
  bool has_host = false;
  bool has_agent = false;
  for (const auto& field : request.headers) {
    if (!safe_text(field.name) || !safe_text(field.value)) return false;
    bytes += field.name.size() + field.value.size() + 4;
    has_host = has_host || ascii_iequals(field.name, "host");
    has_agent = has_agent || ascii_iequals(field.name, "user-agent");
  }
  const auto now = Clock::now();
  Conn* conn = nullptr;
  while (!origin->idle.empty()) {
    Conn* candidate = origin->idle.back();
    origin->idle.pop_back();
    if (now - candidate->idle_since < max_idle_age_) {
      conn = candidate;
      break;
    }
    close_connection(*candidate);
  }
  if (conn == nullptr) {
    if (!origin->known || (!origin->literal && now - origin->learned > kAddressLifetime)) {
      transfer->plain_origin = origin;  // libcurl resolves; on_libcurl_done() learns its answer
      return false;
    }
    conn = open_connection(*origin);
    if (conn == nullptr) return false;  // no socket: libcurl reports it its way
  }
  std::string& out = conn->out;
  out.clear();
  out.reserve(bytes);
  out.append("GET ").append(target.empty() || target.front() == '?' ? "/" : "").append(target).append(" HTTP/1.1\r\n");
  if (!has_host) out.append("Host: ").append(last_host_header_).append("\r\n");
  for (const auto& field : request.headers) out.append(field.name).append(": ").append(field.value).append("\r\n");
  if (!config_.user_agent.empty() && !has_agent) {
    out.append("User-Agent: ").append(config_.user_agent).append("\r\n");
  }
  out.append("\r\n");
  begin(*conn, transfer, now);
  return true;
}

PlainHttp::Conn* PlainHttp::open_connection(Origin& origin) {
  const int fd = socket(origin.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  Conn* conn = nullptr;
  if (!free_conns_.empty()) {
    conn = free_conns_.back();
    free_conns_.pop_back();
  } else {
    pool_.push_back(std::make_unique<Conn>());
    conn = pool_.back().get();
  }
  conn->fd = fd;
  conn->origin = &origin;
  conn->events = 0;
  conn->opened_here = true;
  const auto index = static_cast<std::size_t>(fd);
  if (index >= by_fd_.size()) by_fd_.resize(std::max(index + 1, by_fd_.size() * 2), nullptr);
  by_fd_[index] = conn;
  const int rc = connect(
      fd, reinterpret_cast<const sockaddr*>(&origin.address),  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
      origin.address_length);
  conn->phase = rc == 0 ? Conn::Phase::kSending : Conn::Phase::kConnecting;
  // Refused at once (it happens on loopback): begin() reports it as the attempt's end.
  conn->connect_errno = rc != 0 && errno != EINPROGRESS ? errno : 0;
  return conn;
}

void PlainHttp::begin(Conn& conn, Transfer* transfer, Clock::time_point now) {
  const int refused = conn.connect_errno;
  conn.connect_errno = 0;
  conn.transfer = transfer;
  conn.sequence = ++sent_;
  conn.sent = 0;
  conn.reader.reset(false);
  conn.reused = !conn.opened_here;
  conn.connections = conn.opened_here ? 1 : 0;
  conn.opened_here = false;
  conn.start = now;
  conn.window_start = now;
  conn.bytes = 0;
  conn.window_bytes = 0;
  schedule(conn);
  if (refused != 0) {
    connect_failed(conn, refused);
    return;
  }
  if (conn.phase == Conn::Phase::kConnecting) {
    watch(conn, EPOLLOUT);
    return;
  }
  conn.phase = Conn::Phase::kSending;
  try_send(conn);
}

void PlainHttp::watch(Conn& conn, std::uint32_t events) {
  if (conn.events == events) return;
  epoll_event event{};
  event.events = events;
  event.data.fd = conn.fd;
  epoll_ctl(epoll_fd_, conn.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, conn.fd, &event);
  conn.events = events;
}

void PlainHttp::try_send(Conn& conn) {
  while (conn.sent < conn.out.size()) {
    const ssize_t n = send(conn.fd, conn.out.data() + conn.sent, conn.out.size() - conn.sent, MSG_NOSIGNAL);
    if (n > 0) {
      conn.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(conn, EPOLLIN | EPOLLOUT);
      return;
    }
    const int error = errno;
    if (resend(conn)) return;
    fail(conn, CURLE_SEND_ERROR, fmt::format("Send failure: {}", std::generic_category().message(error)));
    return;
  }
  conn.phase = Conn::Phase::kReceiving;
  watch(conn, EPOLLIN);
}

void PlainHttp::connect_failed(Conn& conn, int error) {
  conn.origin->known = conn.origin->literal;  // a learned address failed: libcurl resolves again
  fail(conn, CURLE_COULDNT_CONNECT,
       fmt::format("Failed to connect to {} port {}: {}", conn.origin->host, conn.origin->port,
                   std::generic_category().message(error)));
}

void PlainHttp::connected(Conn& conn) {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    connect_failed(conn, error);
    return;
  }
  conn.phase = Conn::Phase::kSending;
  try_send(conn);
}

std::uint64_t PlainHttp::send_order(int fd) const noexcept {
  const auto index = static_cast<std::size_t>(fd);
  if (index >= by_fd_.size() || by_fd_[index] == nullptr || by_fd_[index]->transfer == nullptr) return 0;
  return by_fd_[index]->sequence;
}

bool PlainHttp::on_event(int fd, std::uint32_t events) {
  const auto index = static_cast<std::size_t>(fd);
  if (index >= by_fd_.size() || by_fd_[index] == nullptr) return false;
  Conn& conn = *by_fd_[index];
  switch (conn.phase) {
    case Conn::Phase::kIdle:
      // An idle connection has nothing to say: the server closed it (or sent bytes nobody asked for).
      {
        auto& idle = conn.origin->idle;
        const auto found = std::find(idle.rbegin(), idle.rend(), &conn);
        if (found != idle.rend()) idle.erase(std::next(found).base());
      }
      close_connection(conn);
      return true;
    case Conn::Phase::kConnecting:
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) connected(conn);
      return true;
    case Conn::Phase::kSending:
      if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
        receive(conn);  // the server answered (or closed) before taking the whole request
        return true;
      }
      try_send(conn);
      return true;
    case Conn::Phase::kReceiving:
      receive(conn);
      return true;
  }
  return true;
}

void PlainHttp::receive(Conn& conn) {
  for (;;) {
    const ssize_t n = recv(conn.fd, buffer_.data(), buffer_.size(), 0);
    if (n > 0) {
      const auto got = static_cast<std::size_t>(n);
      conn.bytes += got;
      conn.reader.feed(std::string_view(buffer_.data(), got), conn);
      if (conn.reader.failed()) {
        fail(conn, CURLE_WEIRD_SERVER_REPLY, conn.reader.failure_reason());
        return;
      }
      if (conn.reader.done()) {
        complete(conn);
        return;
      }
      if (got < buffer_.size()) return;  // level-triggered: epoll says when more is there
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      const int error = errno;
      if (!conn.reader.started() && resend(conn)) return;
      fail(conn, CURLE_RECV_ERROR, fmt::format("Recv failure: {}", std::generic_category().message(error)));
      return;
    }
    // The server closed the connection.
    if (!conn.reader.started() && resend(conn)) return;
    conn.reader.end_of_stream();
    if (conn.reader.done()) {
      complete(conn);
      return;
    }
    switch (conn.reader.failure()) {
      case H1ResponseReader::Failure::kNothing:
        fail(conn, CURLE_GOT_NOTHING, "Empty reply from server");
        return;
      case H1ResponseReader::Failure::kTruncated:
        fail(conn, CURLE_PARTIAL_FILE,
             fmt::format("transfer closed with {} bytes remaining to read", conn.reader.remaining()));
        return;
      default:
        fail(conn, CURLE_RECV_ERROR, conn.reader.failure_reason());
        return;
    }
  }
}

bool PlainHttp::resend(Conn& conn) {
  if (!conn.reused || conn.reader.started()) return false;
  Transfer* transfer = conn.transfer;
  Origin& origin = *conn.origin;
  std::string out = std::move(conn.out);
  const std::uint64_t connections = conn.connections;
  heap_remove(conn);
  conn.transfer = nullptr;
  close_connection(conn);
  Conn* fresh = open_connection(origin);
  if (fresh == nullptr) {
    // No socket for the second try: the attempt fails as the first one did.
    AttemptEnd end;
    end.code = CURLE_SEND_ERROR;
    end.connections_opened = connections;
    end.detail = "connection closed by the server, and no socket for a new one";
    owner_.on_attempt_end(transfer, std::move(end));
    return true;
  }
  fresh->out = std::move(out);
  begin(*fresh, transfer, Clock::now());
  return true;
}

void PlainHttp::complete(Conn& conn) {
  Transfer* transfer = conn.transfer;
  AttemptEnd end;
  end.code = transfer->capped ? CURLE_WRITE_ERROR : CURLE_OK;  // as libcurl reports a stopped body
  end.status = conn.reader.status();
  end.version = conn.reader.version();
  end.connections_opened = conn.connections;
  heap_remove(conn);
  conn.transfer = nullptr;
  // A server that answered before taking the whole request has left the connection's state unknown.
  if (conn.reader.keep_alive() && !transfer->capped && conn.sent == conn.out.size()) {
    make_idle(conn);
  } else {
    close_connection(conn);
  }
  owner_.on_attempt_end(transfer, std::move(end));
}

void PlainHttp::fail(Conn& conn, CURLcode code, std::string detail) {
  Transfer* transfer = conn.transfer;
  AttemptEnd end;
  end.code = code;
  end.status = conn.reader.status();
  end.version = conn.reader.version();
  end.connections_opened = conn.connections;
  end.detail = std::move(detail);
  heap_remove(conn);
  conn.transfer = nullptr;
  close_connection(conn);
  owner_.on_attempt_end(transfer, std::move(end));
}

void PlainHttp::make_idle(Conn& conn) {
  conn.phase = Conn::Phase::kIdle;
  conn.idle_since = Clock::now();
  conn.origin->idle.push_back(&conn);
}

void PlainHttp::close_connection(Conn& conn) {
  if (conn.fd >= 0) {
    by_fd_[static_cast<std::size_t>(conn.fd)] = nullptr;
    close(conn.fd);  // also leaves the epoll set
  }
  conn.fd = -1;
  conn.events = 0;
  conn.phase = Conn::Phase::kIdle;
  conn.transfer = nullptr;
  conn.out.clear();
  free_conns_.push_back(&conn);
}

// ---- deadlines -------------------------------------------------------------------------------

void PlainHttp::schedule(Conn& conn) {
  auto due = Clock::time_point::max();
  if (config_.timeout.count() > 0) due = std::min(due, conn.start + config_.timeout);
  if (conn.phase == Conn::Phase::kConnecting && config_.connect_timeout.count() > 0) {
    due = std::min(due, conn.start + config_.connect_timeout);
  }
  if (!conn.transfer->responding && config_.first_byte_timeout.count() > 0) {
    due = std::min(due, conn.start + config_.first_byte_timeout);
  }
  if (config_.low_speed_time.count() > 0 && config_.low_speed_bytes > 0) {
    due = std::min(due, conn.window_start + config_.low_speed_time);
  }
  if (conn.heap_index == kNotInHeap) {
    heap_push(conn, due);
  } else {
    heap_[conn.heap_index].due = due;
    heap_fix(conn.heap_index);
  }
}

PlainHttp::Clock::time_point PlainHttp::next_deadline() const noexcept {
  return heap_.front().due;
}

void PlainHttp::expire(Clock::time_point now) {
  while (!heap_.empty() && heap_.front().due <= now) {
    Conn& conn = *heap_.front().conn;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - conn.start);
    if (config_.timeout.count() > 0 && now >= conn.start + config_.timeout) {
      fail(
          conn, CURLE_OPERATION_TIMEDOUT,
          fmt::format("Operation timed out after {} milliseconds with {} bytes received", elapsed.count(), conn.bytes));
      continue;
    }
    if (conn.phase == Conn::Phase::kConnecting && config_.connect_timeout.count() > 0 &&
        now >= conn.start + config_.connect_timeout) {
      fail(conn, CURLE_OPERATION_TIMEDOUT, fmt::format("Connection timed out after {} milliseconds", elapsed.count()));
      continue;
    }
    if (!conn.transfer->responding && config_.first_byte_timeout.count() > 0 &&
        now >= conn.start + config_.first_byte_timeout) {
      fail(conn, CURLE_OPERATION_TIMEDOUT,
           fmt::format("no response within the first-byte timeout of {} ms", config_.first_byte_timeout.count()));
      continue;
    }
    if (config_.low_speed_time.count() > 0 && config_.low_speed_bytes > 0 &&
        now >= conn.window_start + config_.low_speed_time) {
      const auto seconds = static_cast<std::uint64_t>(config_.low_speed_time.count());
      if (conn.bytes - conn.window_bytes < std::uint64_t{config_.low_speed_bytes} * seconds) {
        fail(conn, CURLE_OPERATION_TIMEDOUT,
             fmt::format("Operation too slow. Less than {} bytes/sec transferred the last {} seconds",
                         config_.low_speed_bytes, seconds));
        continue;
      }
      conn.window_start = now;
      conn.window_bytes = conn.bytes;
    }
    schedule(conn);
  }
}

void PlainHttp::heap_swap(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a].conn->heap_index = a;
  heap_[b].conn->heap_index = b;
}

void PlainHttp::heap_fix(std::size_t index) {
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (heap_[parent].due <= heap_[index].due) break;
    heap_swap(parent, index);
    index = parent;
  }
  for (;;) {
    const std::size_t left = 2 * index + 1;
    const std::size_t right = left + 1;
    std::size_t smallest = index;
    if (left < heap_.size() && heap_[left].due < heap_[smallest].due) smallest = left;
    if (right < heap_.size() && heap_[right].due < heap_[smallest].due) smallest = right;
    if (smallest == index) break;
    heap_swap(index, smallest);
    index = smallest;
  }
}

void PlainHttp::heap_push(Conn& conn, Clock::time_point due) {
  conn.heap_index = heap_.size();
  heap_.push_back(Deadline{due, &conn});
  heap_fix(conn.heap_index);
}

void PlainHttp::heap_remove(Conn& conn) {
  const std::size_t index = conn.heap_index;
  if (index == kNotInHeap) return;
  conn.heap_index = kNotInHeap;
  const std::size_t last = heap_.size() - 1;
  if (index != last) {
    heap_[index] = heap_[last];
    heap_[index].conn->heap_index = index;
    heap_.pop_back();
    heap_fix(index);
  } else {
    heap_.pop_back();
  }
}

// ---- addresses learned from libcurl ------------------------------------------------------------

void PlainHttp::on_libcurl_done(Transfer* transfer, CURL* easy) {
  auto* origin = static_cast<Origin*>(transfer->plain_origin);
  transfer->plain_origin = nullptr;
  if (origin == nullptr || origin->literal) return;
  char* ip = nullptr;
  long port = 0;  // NOLINT(google-runtime-int): libcurl's type
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || ip == nullptr || *ip == '\0') return;
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port) != CURLE_OK || port != origin->port) return;
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!to_socket_address(ip, origin->port, address, length)) return;
  origin->address = address;
  origin->address_length = length;
  origin->known = true;
  origin->learned = Clock::now();
}

std::vector<Transfer*> PlainHttp::abandon_all() {
  std::vector<Transfer*> in_flight;
  for (auto& conn : pool_) {
    if (conn->transfer != nullptr) in_flight.push_back(conn->transfer);
    if (conn->fd >= 0) {
      by_fd_[static_cast<std::size_t>(conn->fd)] = nullptr;
      close(conn->fd);
      conn->fd = -1;
    }
    conn->transfer = nullptr;
    conn->heap_index = kNotInHeap;
  }
  heap_.clear();
  for (auto& [key, origin] : origins_) origin->idle.clear();
  return in_flight;
}

}  // namespace tdump::http
