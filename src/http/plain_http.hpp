#pragma once
// The event loop's own HTTP/1.1 path for plain-http GETs on keep-alive connections: the request
// bytes are written by us in one send(), the response is read with recv() into the loop's buffer
// and framed by H1ResponseReader (http/h1_response.hpp). libcurl spends ~85,000 instructions per
// request on what this does in a few thousand (docs/http.md, "Where a header's CPU goes").
//
// CONTRACT with EventLoop (one object per loop; every member is owned by the loop thread):
// - start(transfer) takes an attempt or declines it (returns false) and the loop gives it to
//   libcurl. It declines anything but a body-less GET to an http:// URL without userinfo whose
//   header values hold no CR or LF, and a request to a host name whose address it has not yet
//   learned: libcurl resolves names (and connects); on_libcurl_done() then learns the address
//   libcurl connected to (CURLINFO_PRIMARY_IP), for 60 seconds (libcurl's DNS cache time). IP
//   literals need no learning. The loop creates no PlainHttp when a proxy applies or connection
//   limits are set (docs/http.md "Connections": libcurl enforces those).
// - Every attempt taken ends in exactly one PlainHttpOwner::on_attempt_end() call on the loop
//   thread, possibly from inside start() (a refused connect), with the CURLcode libcurl would have
//   given for the same failure, so retries, messages and statistics follow one set of rules.
// - Like libcurl, a request sent on a reused connection that ends before any response byte (the
//   server closed it while idle) is sent once more on a new connection, not counted as an attempt.
// - Timeouts are libcurl's: connect_timeout, timeout (whole attempt), first_byte_timeout, and
//   low_speed_bytes over low_speed_time, kept in one heap of busy connections.
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>

#include "http/engine.hpp"
#include "http/h1_response.hpp"
#include "http/transfer.hpp"

namespace tdump::http {

struct AttemptEnd {
  CURLcode code = CURLE_OK;
  int status = 0;
  int version = 0;
  std::uint64_t connections_opened = 0;
  std::string detail;  // the failure, safe to print (no URL, no header value)
};

class PlainHttpOwner {
 public:
  virtual void on_attempt_end(Transfer* transfer, AttemptEnd end) = 0;

 protected:
  ~PlainHttpOwner() = default;
};

class PlainHttp {
 public:
  using Clock = std::chrono::steady_clock;

  PlainHttp(const ClientConfig& config, int epoll_fd, PlainHttpOwner& owner);
  PlainHttp(const PlainHttp&) = delete;
  PlainHttp& operator=(const PlainHttp&) = delete;
  ~PlainHttp();

  // Takes the attempt (true) or leaves it to libcurl (false).
  bool start(Transfer* transfer);
  // When the request now on this descriptor was sent, as a sequence number (1, 2, ...); 0 for a
  // descriptor that is not one of ours or carries no request.
  [[nodiscard]] std::uint64_t send_order(int fd) const noexcept;
  // An event on a descriptor: true when it is one of ours (handled), false when it is libcurl's.
  bool on_event(int fd, std::uint32_t events);
  // The earliest deadline of an attempt in flight, if any.
  [[nodiscard]] bool has_deadline() const noexcept { return !heap_.empty(); }
  [[nodiscard]] Clock::time_point next_deadline() const noexcept;
  // Ends the attempts whose deadline has passed.
  void expire(Clock::time_point now);
  // libcurl finished an attempt this path declined for want of an address: learn where it went.
  void on_libcurl_done(Transfer* transfer, CURL* easy);
  // Closes every connection; returns the transfers that were in flight (the loop cancels them).
  std::vector<Transfer*> abandon_all();

  struct Origin;
  struct Conn;

 private:
  // A busy connection's deadline. The heap holds the time itself, so sifting compares within
  // this array instead of reading each connection (at 1,024 in flight, cold lines: removing a
  // finished request from a heap of pointers cost 2 % of the loop's CPU).
  struct Deadline {
    Clock::time_point due;
    Conn* conn;
  };

  Conn* open_connection(Origin& origin);
  void begin(Conn& conn, Transfer* transfer, Clock::time_point now);
  void try_send(Conn& conn);
  void receive(Conn& conn);
  void connected(Conn& conn);
  void connect_failed(Conn& conn, int error);
  // The attempt failed before any response byte on a reused connection: send it once more on a
  // new one. False when that is not allowed (then the failure stands).
  bool resend(Conn& conn);
  void complete(Conn& conn);
  void fail(Conn& conn, CURLcode code, std::string detail);
  void close_connection(Conn& conn);
  void make_idle(Conn& conn);
  void watch(Conn& conn, std::uint32_t events);
  void schedule(Conn& conn);
  void heap_push(Conn& conn, Clock::time_point due);
  void heap_remove(Conn& conn);
  void heap_fix(std::size_t index);
  void heap_swap(std::size_t a, std::size_t b);
  // The origin of a URL's authority (made on first use), and its Host field in last_host_header_.
  Origin* origin_for(std::string_view authority);

  const ClientConfig& config_;
  const int epoll_fd_;
  PlainHttpOwner& owner_;
  const std::chrono::seconds max_idle_age_;
  std::unordered_map<std::string, std::unique_ptr<Origin>> origins_;  // by lower-cased host and port
  // origin_for()'s last answer: the URL's authority as spelled, its origin and its Host field.
  std::string last_authority_;
  Origin* last_origin_ = nullptr;
  std::string last_host_header_;
  std::vector<Conn*> by_fd_;                 // descriptor -> connection
  std::vector<Deadline> heap_;               // busy connections, min-heap on deadline
  std::vector<std::unique_ptr<Conn>> pool_;  // every Conn ever made (reused)
  std::vector<Conn*> free_conns_;
  std::vector<char> buffer_;  // recv() target, shared by all connections of the loop
  std::uint64_t sent_ = 0;    // attempts begun (Conn::sequence)
};

}  // namespace tdump::http
