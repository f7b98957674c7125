#ifndef CCAPACITY_SUPPORT_H
#define CCAPACITY_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Extends a CRC-32C (Castagnoli) over `len` bytes. Start with crc = 0.
/// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
uint32_t ccap_crc32c(uint32_t crc, const void *data, size_t len);

/// SHA-256 of the `alen` bytes at `a` followed by the `blen` bytes at `b`, into `out` (32 bytes),
/// with no allocation. Uses the CPU's SHA instructions when it has them, unless `portable` is
/// nonzero (the tests compare the two ways).
void ccap_sha256_two(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32], int portable);
/// Whether ccap_sha256_two uses the CPU's SHA instructions on this machine.
int ccap_sha256_uses_cpu_instructions(void);
/// SHA-256's 64 round constants, as the code uses them (for a test that derives them).
const uint32_t *ccap_sha256_round_constants(void);

/// Installs a SIGINT handler that only records the interrupt (no SA_RESTART, so a blocking
/// read returns EINTR). Long commands poll ccap_interrupt_pending().
void ccap_install_sigint(void);
/// Restores the default SIGINT action.
void ccap_default_sigint(void);
int ccap_interrupt_pending(void);
void ccap_interrupt_clear(void);

/// Names the calling thread (as `top -H` and `perf` show it); a no-op where unsupported.
void ccap_name_this_thread(const char *name);

/// Lowers the calling thread's scheduling priority to `niceness` (Linux: per thread); a
/// no-op where unsupported or refused.
void ccap_yield_to_others(int niceness);

/// Asks the CPU to start loading the cache line at `p` (a hint: never faults).
static inline void ccap_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Asks the system to back the whole 2 MiB pages inside [p, p + len) with huge pages when they
/// are first touched (Linux `madvise(MADV_HUGEPAGE)`; a hint, ignored where unsupported). For
/// large tables read at random places, where each lookup would otherwise also miss the TLB; not
/// for arrays filled in order, whose first touches cost more with huge pages than without.
void ccap_advise_huge_pages(void *p, size_t len);

/// `snprintf(buf, size, format, v)` for one double (the core formats numbers through it).
int ccap_format_double(char *buf, size_t size, const char *format, double v);
double ccap_log10(double v);
double ccap_pow(double base, double exponent);
/// The real-time clock, in microseconds since the epoch (UTC).
int64_t ccap_realtime_micros(void);
/// The monotonic clock, in seconds from an arbitrary start.
double ccap_monotonic_seconds(void);
/// `calloc`: zeroed memory straight from the system (large blocks come as untouched zero pages).
void *ccap_zeroed(size_t count, size_t size);
void ccap_free(void *p);
/// Whether the `len` bytes at `a` and `b` are the same (`memcmp`).
int ccap_same_bytes(const void *a, const void *b, size_t len);
/// The first byte equal to `byte` in the `len` bytes at `p`, or NULL (`memchr`).
const void *ccap_find_byte(const void *p, int byte, size_t len);
/// The system's text for an error number (`strerror`).
const char *ccap_error_text(int number);
/// The calling thread's `errno`, as the last failed call left it.
int ccap_errno(void);

#endif
