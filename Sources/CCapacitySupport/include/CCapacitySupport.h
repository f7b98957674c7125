#ifndef CCAPACITY_SUPPORT_H
#define CCAPACITY_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Extends a CRC-32C (Castagnoli) over `len` bytes. Start with crc = 0.
/// Uses the SSE4.2 crc32 instruction when the CPU has it, else a table.
uint32_t ccap_crc32c(uint32_t crc, const void *data, size_t len);

#endif
