// How cells come to exist, without any cell holding a copy of the grader's memory.
//
// A cell is made by a *zygote*: a small process that is the grader's own executable started
// again (/proc/self/exe) in a hidden mode that C code recognises before main() runs (the
// constructor at the end of this file), so its memory holds none of the grader's heap (other
// students' code, hidden tests, the database). Per request it forks an *intermediate*, which
// joins the cell's cgroups (when the request brings them), unshares the namespaces (a
// multithreaded process may not unshare a user namespace) and clones the cell's init with
// CLONE_PARENT, so the intermediate can exit at once and the zygote, which lets the kernel reap
// its children, is init's parent. The grader waits for an init's end with a pidfd.
//
// Zygotes that live in a cell slot's cgroups make the cells of that slot (cs_zygote_start,
// cs_zygote_open): the cells are born inside and no process ever migrates between cgroups. One
// more zygote, started on first use, serves cs_cell_open for cells without a slot.
//
// Only async-signal-safe calls run between the grader's fork and the zygote's execve.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// The hidden mode: both must match, so no ordinary start of the program is ever taken for it.
#define HELPER_NAME "classroom-cell-zygote"
#define HELPER_ENV "CSANDBOX_HELPER=zygote-1"
#define HELPER_CGROUPS_ENV "CSANDBOX_CGROUPS="

// A request to a zygote: the config with its strings appended; descriptors: the cell's
// control channel, then the cgroup directories the cell's intermediate joins (none when the
// cell uses the zygote's own cgroups).
#define REQUEST_CAP (sizeof(cs_cell_config) + 65536)

// MARK: - The intermediate process

static int write_proc_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void __attribute__((noreturn)) intermediate_fail(const char *what) {
    char buf[300];
    int32_t zero = 0;
    memcpy(buf, &zero, sizeof zero);
    int n = snprintf(buf + sizeof zero, sizeof buf - sizeof zero, "%s: %s", what, strerror(errno));
    if (n < 0) n = 0;
    if ((size_t)n > sizeof buf - sizeof zero) n = (int)(sizeof buf - sizeof zero);
    cs_send_frame(CTL_FD, CS_MSG_SETUP_ERROR, 0, buf, (uint32_t)(sizeof zero + (size_t)n), NULL, 0);
    _exit(1);
}

static void __attribute__((noreturn)) intermediate(const cs_cell_config *cfg, int ctl) {
    // Keep only the control channel: a cell must never hold the grader's
    // sockets, database files, or another cell's control channel.
    // Descriptors move above any we might clobber, then down into place:
    // control channel at 3, the cell's cgroup directories at 4 and up.
    int n = cfg->ncgroups;
    int high[1 + CS_MAX_CGROUPS];
    high[0] = fcntl(ctl, F_DUPFD_CLOEXEC, 64);
    for (int i = 0; i < n; i++) high[1 + i] = fcntl(cfg->cgroup_fds[i], F_DUPFD_CLOEXEC, 64);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
    }
    for (int i = 0; i <= n; i++) {
        if (high[i] < 0 || dup3(high[i], CTL_FD + i, O_CLOEXEC) < 0) _exit(1);
    }
    if (syscall(SYS_close_range, CTL_FD + 1 + n, ~0U, 0) < 0) {
        for (int fd = CTL_FD + 1 + n; fd < 65536; fd++) close(fd);
    }
    // Join the cell's cgroups now, while this process is still alone and
    // has the grader's credentials; init and every program inherit them.
    for (int i = 0; i < n && cfg->join_cgroups; i++) {
        int fd = openat(CTL_FD + 1 + i, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0\n", 2) < 0) intermediate_fail("cannot join the cell's cgroup");
        close(fd);
    }
    if (cfg->confined) {
        int flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
        if (cfg->use_userns) flags |= CLONE_NEWUSER;
        if (unshare(flags) < 0) intermediate_fail("cannot create the cell's namespaces (unshare)");
        if (cfg->use_userns) {
            char map[64];
            if (write_proc_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
                intermediate_fail("cannot deny setgroups in the user namespace");
            snprintf(map, sizeof map, "%u %u 1\n", cfg->userns_inner_id, cfg->outer_uid);
            if (write_proc_file("/proc/self/uid_map", map) < 0) intermediate_fail("cannot write uid_map");
            snprintf(map, sizeof map, "%u %u 1\n", cfg->userns_inner_id, cfg->outer_gid);
            if (write_proc_file("/proc/self/gid_map", map) < 0) intermediate_fail("cannot write gid_map");
        }
    }
    // CLONE_PARENT makes the zygote init's parent (it lets the kernel reap its children), so
    // this process can exit at once.
    long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) cs_init_main(cfg);
    if (pid < 0) intermediate_fail("cannot start the cell's init (clone)");
    _exit(0);
}

static int finish_open(int ctl, cs_cell_handle *out, char *err, size_t errlen) {
    int sv[2] = {ctl, -1};
    cs_frame_header h;
    void *payload = NULL;
    int fds[CS_MAX_FDS];
    int r = cs_recv_frame(sv[0], &h, &payload, fds);
    if (r < 0) {
        cs_set_err(err, errlen, "the cell's init ended during setup (%s)", strerror(-r));
        close(sv[0]);
        return -1;
    }
    if (h.type == CS_MSG_READY && h.length >= 5 * sizeof(uint32_t) && fds[0] >= 0 && fds[1] >= 0) {
        uint32_t ready[5];
        memcpy(ready, payload, sizeof ready);
        free(payload);
        out->control_fd = sv[0];
        out->init_pid = (int32_t)ready[0];
        out->uid = ready[1];
        out->gid = ready[2];
        out->driver_uid = ready[3];
        out->driver_gid = ready[4];
        out->box_fd = fds[0];
        out->driver_fd = fds[1];
        for (int i = 2; i < CS_MAX_FDS; i++)
            if (fds[i] >= 0) close(fds[i]);
        return 0;
    }
    int32_t init_pid = 0;
    if (h.type == CS_MSG_SETUP_ERROR && h.length >= sizeof(int32_t)) {
        memcpy(&init_pid, payload, sizeof init_pid);
        cs_set_err(err, errlen, "%.*s", (int)(h.length - sizeof(int32_t)), (char *)payload + sizeof(int32_t));
    } else {
        cs_set_err(err, errlen, "the cell's init sent an unexpected message during setup");
    }
    free(payload);
    for (int i = 0; i < CS_MAX_FDS; i++)
        if (fds[i] >= 0) close(fds[i]);
    close(sv[0]);
    if (init_pid > 0) cs_wait_exit(init_pid, 0);
    return -1;
}

void cs_wait_exit(int pid, int is_child) {
    int st;
    if (is_child) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        return;
    }
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) {
        // No pidfd (kernel < 5.3) or already reaped: poll the pid instead.
        while (kill(pid, 0) == 0) usleep(1000);
        return;
    }
    struct pollfd p = {fd, POLLIN, 0};
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {}
    close(fd);
}


// MARK: - The zygote

static void __attribute__((noreturn)) zygote_main(int zfd, int ncg) {
    prctl(PR_SET_NAME, "cell-zygote");
    // Children (intermediates, and inits via CLONE_PARENT) are reaped by the kernel; the
    // grader learns of an init's end through a pidfd.
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    static char buf[REQUEST_CAP];
    for (;;) {
        struct iovec iov = {buf, sizeof buf};
        union {
            char c[CMSG_SPACE(sizeof(int) * (1 + CS_MAX_CGROUPS))];
            struct cmsghdr align;
        } u;
        struct msghdr msg = {0};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = u.c;
        msg.msg_controllen = sizeof u.c;
        ssize_t n = recvmsg(zfd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(0);
        int fds[1 + CS_MAX_CGROUPS], nfds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int *in = (int *)CMSG_DATA(c);
            for (int i = 0; i < count; i++) {
                if (nfds < 1 + CS_MAX_CGROUPS) fds[nfds++] = in[i];
                else close(in[i]);
            }
        }
        cs_cell_config cfg;
        if (nfds == 0 || (size_t)n < sizeof cfg) {
            for (int i = 0; i < nfds; i++) close(fds[i]);
            continue;
        }
        memcpy(&cfg, buf, sizeof cfg);
        char *p = buf + sizeof cfg, *end = buf + n;
        // Strings: read-only paths (ending with an empty one), hostname, workdir.
        cfg.readonly_paths = p;
        while (p < end && *p) p += strnlen(p, (size_t)(end - p)) + 1;
        p++;
        cfg.hostname = p < end ? p : "cell";
        p += p < end ? strnlen(p, (size_t)(end - p)) + 1 : 0;
        cfg.workdir = p < end ? p : "";
        if (nfds > 1) {
            // The request brought the cell's own cgroups: its intermediate joins them.
            cfg.ncgroups = nfds - 1;
            for (int i = 0; i < cfg.ncgroups; i++) cfg.cgroup_fds[i] = fds[1 + i];
            cfg.join_cgroups = 1;
        } else {
            cfg.ncgroups = ncg;
            for (int i = 0; i < ncg; i++) cfg.cgroup_fds[i] = CTL_FD + 1 + i;
            cfg.join_cgroups = 0;
        }
        pid_t pid = fork();
        if (pid == 0) intermediate(&cfg, fds[0]);
        for (int i = 0; i < nfds; i++) close(fds[i]);
    }
}

// The zygote's start, before main(): its descriptors are the channel at 3, its cgroup
// directories at 4 and up, a status pipe just above. It joins the cgroups, reports, and serves.
static void __attribute__((noreturn)) zygote_boot(int ncg) {
    int status = 0;
    for (int i = 0; i < ncg; i++) {
        int fd = openat(CTL_FD + 1 + i, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0\n", 2) < 0) status = errno ? errno : EIO;
        if (fd >= 0) close(fd);
    }
    if (write(CTL_FD + 1 + ncg, &status, sizeof status) < 0 || status) _exit(1);
    close(CTL_FD + 1 + ncg);
    zygote_main(CTL_FD, ncg);
}

__attribute__((constructor, used)) static void cs_helper_entry(int argc, char **argv, char **envp) {
    if (argc != 1 || !argv || !argv[0] || strcmp(argv[0], HELPER_NAME) != 0 || !envp) return;
    int marked = 0, ncg = -1;
    for (char **e = envp; *e; e++) {
        if (strcmp(*e, HELPER_ENV) == 0) marked = 1;
        if (strncmp(*e, HELPER_CGROUPS_ENV, strlen(HELPER_CGROUPS_ENV)) == 0)
            ncg = atoi(*e + strlen(HELPER_CGROUPS_ENV));
    }
    if (!marked || ncg < 0 || ncg > CS_MAX_CGROUPS) return;
    zygote_boot(ncg);
}

int cs_zygote_start(const int *cgroup_fds, int ncg, int *zygote_fd, int *zygote_pid, char *err, size_t errlen) {
    if (ncg < 0 || ncg > CS_MAX_CGROUPS) {
        cs_set_err(err, errlen, "too many cgroups");
        return -1;
    }
    // Everything the child needs is prepared here: after fork only async-signal-safe calls.
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        cs_set_err(err, errlen, "cannot find this program's executable: %s", strerror(errno));
        return -1;
    }
    exe[len] = 0;
    char count[32];
    snprintf(count, sizeof count, HELPER_CGROUPS_ENV "%d", ncg);
    char *argv[] = {HELPER_NAME, NULL};
    char *envp[] = {HELPER_ENV, count, NULL};
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        cs_set_err(err, errlen, "cannot create a zygote channel: %s", strerror(errno));
        return -1;
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        cs_set_err(err, errlen, "cannot create a pipe: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        cs_set_err(err, errlen, "cannot fork a zygote: %s", strerror(errno));
        close(sv[0]); close(sv[1]); close(ready[0]); close(ready[1]);
        return -1;
    }
    if (pid == 0) {
        // Channel at 3, cgroup directories at 4 and up, the status pipe just above. The
        // grader dying ends the zygote: its channel closes.
        int high[2 + CS_MAX_CGROUPS];
        high[0] = fcntl(sv[1], F_DUPFD_CLOEXEC, 64);
        for (int i = 0; i < ncg; i++) high[1 + i] = fcntl(cgroup_fds[i], F_DUPFD_CLOEXEC, 64);
        high[1 + ncg] = fcntl(ready[1], F_DUPFD_CLOEXEC, 64);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        // dup2 (not dup3): the executed helper keeps these.
        for (int i = 0; i <= ncg + 1; i++) {
            if (high[i] < 0 || dup2(high[i], CTL_FD + i) < 0) _exit(1);
        }
        syscall(SYS_close_range, CTL_FD + 2 + ncg, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(exe, argv, envp);
        _exit(127);
    }
    close(sv[1]);
    close(ready[1]);
    int status = -1;
    int r = cs_read_all(ready[0], &status, sizeof status);
    close(ready[0]);
    if (r < 0 || status != 0) {
        if (r < 0) cs_set_err(err, errlen, "the zygote (%s started again) did not start", exe);
        else cs_set_err(err, errlen, "the zygote could not join its cgroups: %s", strerror(status));
        close(sv[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        return -1;
    }
    *zygote_fd = sv[0];
    *zygote_pid = pid;
    return 0;
}

// Sends a request; the cell's intermediate joins `cgroup_fds` (n of them) when n > 0.
static int zygote_request(int zfd, const cs_cell_config *cfg, const int *cgroup_fds, int n, cs_cell_handle *out,
                          char *err, size_t errlen) {
    char *buf = malloc(REQUEST_CAP);
    if (!buf) {
        cs_set_err(err, errlen, "out of memory");
        return -1;
    }
    size_t len = sizeof *cfg;
    memcpy(buf, cfg, sizeof *cfg);
    const char *p = cfg->readonly_paths ? cfg->readonly_paths : "\0";
    size_t plen = 0;
    while (p[plen]) plen += strlen(p + plen) + 1;
    plen += 1;
    const char *host = cfg->hostname ? cfg->hostname : "cell", *work = cfg->workdir ? cfg->workdir : "";
    if (len + plen + strlen(host) + strlen(work) + 2 > REQUEST_CAP) {
        free(buf);
        cs_set_err(err, errlen, "the list of read-only paths is too long");
        return -1;
    }
    memcpy(buf + len, p, plen);
    len += plen;
    memcpy(buf + len, host, strlen(host) + 1);
    len += strlen(host) + 1;
    memcpy(buf + len, work, strlen(work) + 1);
    len += strlen(work) + 1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        free(buf);
        cs_set_err(err, errlen, "cannot create the cell's control channel: %s", strerror(errno));
        return -1;
    }
    int fds[1 + CS_MAX_CGROUPS];
    fds[0] = sv[1];
    for (int i = 0; i < n; i++) fds[1 + i] = cgroup_fds[i];
    struct iovec iov = {buf, len};
    union {
        char c[CMSG_SPACE(sizeof(int) * (1 + CS_MAX_CGROUPS))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.c;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)(1 + n));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)(1 + n));
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)(1 + n));
    ssize_t sent;
    do {
        sent = sendmsg(zfd, &msg, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    int e = errno;
    free(buf);
    close(sv[1]);
    if (sent < 0) {
        close(sv[0]);
        cs_set_err(err, errlen, "the zygote is gone: %s", strerror(e));
        errno = e;
        return -1;
    }
    return finish_open(sv[0], out, err, errlen);
}

int cs_zygote_open(int zfd, const cs_cell_config *cfg, cs_cell_handle *out, char *err, size_t errlen) {
    return zygote_request(zfd, cfg, NULL, 0, out, err, errlen);
}

// MARK: - cs_cell_open: cells without a slot, through a zygote of the process's own

static pthread_mutex_t launcher_lock = PTHREAD_MUTEX_INITIALIZER;
static int launcher_fd = -1;
static pid_t launcher_pid = -1;

int cs_cell_open(const cs_cell_config *cfg, cs_cell_handle *out, char *err, size_t errlen) {
    if (cfg->ncgroups < 0 || cfg->ncgroups > CS_MAX_CGROUPS) {
        cs_set_err(err, errlen, "too many cgroups");
        return -1;
    }
    int n = cfg->join_cgroups ? cfg->ncgroups : 0;
    // A zygote somebody killed is replaced once.
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_mutex_lock(&launcher_lock);
        if (launcher_fd < 0 && cs_zygote_start(NULL, 0, &launcher_fd, &launcher_pid, err, errlen) < 0) {
            pthread_mutex_unlock(&launcher_lock);
            return -1;
        }
        int zfd = launcher_fd;
        pthread_mutex_unlock(&launcher_lock);
        int r = zygote_request(zfd, cfg, cfg->cgroup_fds, n, out, err, errlen);
        if (r == 0 || (errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN)) return r;
        pthread_mutex_lock(&launcher_lock);
        if (launcher_fd == zfd) {
            close(launcher_fd);
            while (waitpid(launcher_pid, NULL, 0) < 0 && errno == EINTR) {}
            launcher_fd = -1;
        }
        pthread_mutex_unlock(&launcher_lock);
    }
    return -1;
}
