#define _GNU_SOURCE
#include "CCapacitySupport.h"
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

void ccap_advise_huge_pages(void *p, size_t len) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + len) & ~(huge - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}
