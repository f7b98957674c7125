// The few C library calls the ledger's core needs that are not I/O: formatting a number,
// logarithms, the clocks, zeroed memory and byte comparison. The core imports no Glibc or
// Darwin module (its I/O lives in the storage target); it reaches these through here.
#define _GNU_SOURCE
#include "CCapacitySupport.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ccap_format_double(char *buf, size_t size, const char *format, double v) {
    return snprintf(buf, size, format, v);
}

double ccap_log10(double v) { return log10(v); }
double ccap_pow(double base, double exponent) { return pow(base, exponent); }

int64_t ccap_realtime_micros(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

double ccap_monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void *ccap_zeroed(size_t count, size_t size) { return calloc(count, size); }
void ccap_free(void *p) { free(p); }

int ccap_same_bytes(const void *a, const void *b, size_t len) { return len == 0 || memcmp(a, b, len) == 0; }

const void *ccap_find_byte(const void *p, int byte, size_t len) { return memchr(p, byte, len); }

const char *ccap_error_text(int number) { return strerror(number); }

#include <errno.h>
int ccap_errno(void) { return errno; }
