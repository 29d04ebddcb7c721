#pragma once
// glibc returns freed memory at the top of a heap to the kernel as soon as more than 128 KiB is
// free there, and the next allocations fault the pages back in. A loop that allocates and frees a
// 16 KiB body per request hits that edge constantly: on our benchmark VM it cost two page faults
// per request and half the engine's CPU time. Raising the trim threshold keeps those pages.
namespace tdump::http {

// Process-wide and idempotent (glibc only; a no-op elsewhere). Engine::create calls it unless
// ClientConfig::tune_allocator is false.
void keep_freed_memory_for_reuse() noexcept;

}  // namespace tdump::http
