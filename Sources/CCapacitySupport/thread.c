#define _GNU_SOURCE
#include "CCapacitySupport.h"
#if defined(__linux__)
#include <pthread.h>
#endif

void ccap_name_this_thread(const char *name) {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
}
