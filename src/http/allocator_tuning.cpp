#include "http/allocator_tuning.hpp"

#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tdump::http {

void keep_freed_memory_for_reuse() noexcept {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    // Up to 64 MiB may stay free at the top of each heap; blocks of 1 MiB and more still come
    // from (and go back to) mmap directly, so a burst of large listing pages is returned.
    constexpr int kTrimThreshold = 64 << 20;
    constexpr int kMmapThreshold = 1 << 20;
    // glibc's mallopt takes the arena locks; clang-tidy lists it as unsafe regardless.
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);  // NOLINT(concurrency-mt-unsafe)
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);  // NOLINT(concurrency-mt-unsafe)
  });
#endif
}

}  // namespace tdump::http
