#ifndef CCAPACITY_SUPPORT_H
#define CCAPACITY_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Extends a CRC-32C (Castagnoli) over `len` bytes. Start with crc = 0.
/// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
uint32_t ccap_crc32c(uint32_t crc, const void *data, size_t len);

/// Installs a SIGINT handler that only records the interrupt (no SA_RESTART, so a blocking
/// read returns EINTR). Long commands poll ccap_interrupt_pending().
void ccap_install_sigint(void);
/// Restores the default SIGINT action.
void ccap_default_sigint(void);
int ccap_interrupt_pending(void);
void ccap_interrupt_clear(void);

/// Names the calling thread (as `top -H` and `perf` show it); a no-op where unsupported.
void ccap_name_this_thread(const char *name);

/// Asks the CPU to start loading the cache line at `p` (a hint: never faults).
static inline void ccap_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
