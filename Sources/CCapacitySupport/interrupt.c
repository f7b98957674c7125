#include "CCapacitySupport.h"
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupted = 0;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

void ccap_install_sigint(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
}

void ccap_default_sigint(void) {
    signal(SIGINT, SIG_DFL);
}

int ccap_interrupt_pending(void) { return interrupted != 0; }

void ccap_interrupt_clear(void) { interrupted = 0; }
