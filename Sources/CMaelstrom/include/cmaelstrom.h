#ifndef CMAELSTROM_H
#define CMAELSTROM_H

#include <poll.h>
#include <stdint.h>

/// poll() with a timeout in nanoseconds (ppoll), so the network's timers are not rounded
/// to whole milliseconds. Returns what ppoll returns; -1 with errno on failure.
int cm_poll_ns(struct pollfd *fds, unsigned long nfds, int64_t timeout_ns);

#endif
