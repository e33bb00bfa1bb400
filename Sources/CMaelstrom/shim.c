#define _GNU_SOURCE
#include "cmaelstrom.h"
#include <time.h>

int cm_poll_ns(struct pollfd *fds, unsigned long nfds, int64_t timeout_ns) {
    if (timeout_ns < 0) timeout_ns = 0;
    struct timespec ts = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
    return ppoll(fds, (nfds_t)nfds, &ts, NULL);
}
