#include "dump/stop_signal.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace tdump::dump {

StopSignal::StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

StopSignal::~StopSignal() {
  if (fd_ >= 0) ::close(fd_);
}

bool StopSignal::request(int signal_number) noexcept {
  if (requested_.exchange(true, std::memory_order_acq_rel)) return false;
  signal_.store(signal_number, std::memory_order_release);
  if (fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(fd_, &one, sizeof one);
  }
  return true;
}

}  // namespace tdump::dump
