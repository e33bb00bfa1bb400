// The control channel's framing (a header, a payload, descriptors by SCM_RIGHTS) and the
// small I/O helpers every part of the launcher uses.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t cs_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cs_free(void *p) { free(p); }

void cs_set_err(char *err, size_t n, const char *fmt, ...) {
    if (!err || n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

int cs_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int cs_read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (n == 0) return -EPIPE;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

// MARK: - Framing

int cs_send_frame(int fd, uint32_t type, uint32_t id, const void *payload, uint32_t length,
                  const int *fds, uint32_t nfds) {
    if (nfds > CS_MAX_FDS) return -EINVAL;
    cs_frame_header h = {type, id, length, nfds};
    struct iovec iov = {&h, sizeof h};
    union {
        char buf[CMSG_SPACE(sizeof(int) * CS_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        memset(&u, 0, sizeof u);
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t n;
    do {
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if ((size_t)n < sizeof h) {
        int r = cs_write_all(fd, (char *)&h + n, sizeof h - (size_t)n);
        if (r) return r;
    }
    if (length > 0) return cs_write_all(fd, payload, length);
    return 0;
}

int cs_recv_frame(int fd, cs_frame_header *h, void **payload, int *fds) {
    *payload = NULL;
    for (int i = 0; i < CS_MAX_FDS; i++) fds[i] = -1;
    struct iovec iov = {h, sizeof *h};
    union {
        char buf[CMSG_SPACE(sizeof(int) * CS_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if (n == 0) return -EPIPE;
    int got = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int *in = (int *)CMSG_DATA(c);
            for (int i = 0; i < count; i++) {
                if (got < CS_MAX_FDS) fds[got++] = in[i];
                else close(in[i]);
            }
        }
    }
    if ((size_t)n < sizeof *h) {
        int r = cs_read_all(fd, (char *)h + n, sizeof *h - (size_t)n);
        if (r) return r;
    }
    if (h->length > (256u << 20)) return -EMSGSIZE;
    if (h->length > 0) {
        void *p = malloc(h->length);
        if (!p) return -ENOMEM;
        int r = cs_read_all(fd, p, h->length);
        if (r) {
            free(p);
            return r;
        }
        *payload = p;
    }
    return 0;
}
