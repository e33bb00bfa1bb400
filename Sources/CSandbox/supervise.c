// The cell's init: pid 1 of the cell's pid namespace. It builds the cell (rootfs.c,
// domains.c), then supervises every run of the cell in one poll loop: output pipes, a
// signalfd for SIGCHLD, and the control channel. It enforces the wall-clock limit, the CPU
// limit summed over the cell's cgroup, and the output limit, keeps the head and the tail of
// each stream, and kills a run's leftovers when it ends. Closing the control channel is the
// one signal it obeys to end the cell; when it exits, the kernel kills every process of its
// pid namespace.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SPAWNS 64
#define DRAIN_GRACE_NS 200000000ull
#define CPU_POLL_NS 20000000ull

typedef struct {
    char *head, *tail;
    uint64_t head_cap, tail_cap, head_len, tail_pos, total;
    int tee; // -1, or a non-blocking pipe to the grader that gets every byte as it comes
} capture;

typedef struct {
    int used;
    uint32_t id;
    pid_t pid;
    int out, err;
    capture cout, cerr;
    uint64_t start, end, wall_deadline, cpu_limit, output_limit, next_cpu_check, drain_deadline;
    uint64_t cpu_base;
    int cpu_base_valid;
    int exited, status, needs_kill;
    int domain; // CS_DOMAIN_STUDENT or CS_DOMAIN_DRIVER
    uint32_t reason;
    struct rusage ru;
    uint64_t cpu_ns;
    int cpu_valid;
} spawn_slot;

static spawn_slot slots[MAX_SPAWNS];
static const cs_cell_config *cell_cfg;
static int cell_cg[CS_MAX_CGROUPS], cell_kinds[CS_MAX_CGROUPS], cell_ncg;
static uid_t cell_uid, driver_uid;
static gid_t cell_gid, driver_gid;
static cs_student_domain student;

static void capture_add(capture *c, const char *p, size_t n) {
    if (c->tee >= 0 && n > 0) {
        // Never block the supervisor on a driver that stopped reading: drop what does not fit.
        ssize_t w = write(c->tee, p, n);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            close(c->tee);
            c->tee = -1;
        }
    }
    c->total += n;
    size_t take = 0;
    if (c->head_len < c->head_cap) {
        take = (size_t)(c->head_cap - c->head_len);
        if (take > n) take = n;
        memcpy(c->head + c->head_len, p, take);
        c->head_len += take;
    }
    p += take;
    n -= take;
    if (c->tail_cap == 0) return;
    if (n >= c->tail_cap) {
        p += n - c->tail_cap;
        n = (size_t)c->tail_cap;
    }
    for (size_t i = 0; i < n; i++) {
        c->tail[c->tail_pos % c->tail_cap] = p[i];
        c->tail_pos++;
    }
}

static uint64_t capture_tail(const capture *c, char *dst) {
    uint64_t len = c->tail_pos < c->tail_cap ? c->tail_pos : c->tail_cap;
    uint64_t start = c->tail_pos - len;
    for (uint64_t i = 0; i < len; i++) dst[i] = c->tail[(start + i) % c->tail_cap];
    return len;
}

static ssize_t read_cgroup_file(int dirfd, const char *name, char *buf, size_t cap) {
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0) buf[n] = 0;
    return n;
}

static int read_cpu(uint64_t *ns) {
    char buf[1024];
    for (int i = 0; i < cell_ncg; i++) {
        if (cell_kinds[i] == CS_CGROUP_V1_CPUACCT) {
            if (read_cgroup_file(cell_cg[i], "cpuacct.usage", buf, sizeof buf) <= 0) return 0;
            *ns = strtoull(buf, NULL, 10);
            return 1;
        }
        if (cell_kinds[i] == CS_CGROUP_V2) {
            if (read_cgroup_file(cell_cg[i], "cpu.stat", buf, sizeof buf) <= 0) return 0;
            char *p = strstr(buf, "usage_usec ");
            if (!p) return 0;
            *ns = strtoull(p + 11, NULL, 10) * 1000ull;
            return 1;
        }
    }
    return 0;
}

static void record_exit(pid_t pid, int status, const struct rusage *ru);

// Whether another run of the same domain (of any, unconfined) is still alive.
static int others_running(const spawn_slot *s) {
    for (int i = 0; i < MAX_SPAWNS; i++)
        if (slots[i].used && !slots[i].exited && &slots[i] != s &&
            (!cell_cfg->confined || slots[i].domain == s->domain))
            return 1;
    return 0;
}

// Kills every process of the student domain and waits until all are gone.
static void kill_student_domain(void) {
    // The runs' main processes are init's children: kill and reap them first, so that every
    // orphan they leave has reached the student domain's init.
    for (int i = 0; i < MAX_SPAWNS; i++) {
        spawn_slot *s = &slots[i];
        if (!s->used || s->exited || s->pid <= 0 || s->domain != CS_DOMAIN_STUDENT) continue;
        kill(s->pid, SIGKILL);
        int status;
        struct rusage ru;
        pid_t p;
        do {
            p = wait4(s->pid, &status, __WALL, &ru);
        } while (p < 0 && errno == EINTR);
        if (p == s->pid) record_exit(p, status, &ru);
    }
    // What is left descends from that init's children. Most runs leave nothing and need no
    // round trip to it, which on a busy machine costs a scheduler time slice or two.
    if (cs_student_domain_has_children(&student)) cs_student_domain_request(&student, CS_STUDENT_END);
}

// Unconfined mode, where no pid namespace holds the cell: kills every process of the cell's
// cgroups but init and waits until all are reaped.
static void kill_everything(void) {
    {
        // kill(-1) would hit every process of the grader's user: use the cell's cgroup
        // membership instead.
        pid_t self = getpid();
        for (int i = 0; i < cell_ncg; i++) {
            if (cell_kinds[i] == CS_CGROUP_V1_CPUACCT) continue;
            int fd = openat(cell_cg[i], "cgroup.procs", O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            char buf[65536];
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n <= 0) continue;
            buf[n] = 0;
            for (char *line = buf; *line;) {
                pid_t p = (pid_t)atoi(line);
                if (p > 1 && p != self) kill(p, SIGKILL);
                char *nl = strchr(line, '\n');
                if (!nl) break;
                line = nl + 1;
            }
        }
    }
    for (;;) {
        int status;
        struct rusage ru;
        pid_t p = wait4(-1, &status, __WALL, &ru);
        if (p > 0) {
            record_exit(p, status, &ru);
            continue;
        }
        if (errno == EINTR) continue;
        break;
    }
}

// Kills a run's process group, and when no other run of the cell is alive,
// everything in the cell (which catches programs that called setsid).
static void kill_tree(spawn_slot *s, int sig) {
    if (s->pid > 0 && !s->exited) kill(s->pid, sig);
    if (s->pid > 0) kill(-s->pid, sig);
    if (sig != SIGKILL || others_running(s) || !cell_cfg->confined) return;
    if (s->domain == CS_DOMAIN_DRIVER) cs_kill_driver_domain(&student);
    else kill_student_domain();
}

static spawn_slot *slot_by_pid(pid_t pid) {
    for (int i = 0; i < MAX_SPAWNS; i++)
        if (slots[i].used && slots[i].pid == pid && !slots[i].exited) return &slots[i];
    return NULL;
}

static spawn_slot *slot_by_id(uint32_t id) {
    for (int i = 0; i < MAX_SPAWNS; i++)
        if (slots[i].used && slots[i].id == id) return &slots[i];
    return NULL;
}

static void record_exit(pid_t pid, int status, const struct rusage *ru) {
    spawn_slot *s = slot_by_pid(pid);
    if (!s) return;
    s->exited = 1;
    s->status = status;
    s->ru = *ru;
    s->end = cs_monotonic_ns();
    s->needs_kill = 1;
    s->drain_deadline = s->end + DRAIN_GRACE_NS;
}

static void reap_children(void) {
    for (;;) {
        int status;
        struct rusage ru;
        pid_t p = wait4(-1, &status, WNOHANG | __WALL, &ru);
        if (p <= 0) return;
        record_exit(p, status, &ru);
    }
}

static void finish(spawn_slot *s) {
    if (s->cout.tee >= 0) close(s->cout.tee);
    if (s->out >= 0) close(s->out);
    if (s->err >= 0) close(s->err);
    uint64_t cpu;
    if (s->cpu_base_valid && read_cpu(&cpu)) {
        s->cpu_ns = cpu > s->cpu_base ? cpu - s->cpu_base : 0;
        s->cpu_valid = 1;
    }
    size_t cap = sizeof(cs_exit_report) + s->cout.head_len + s->cout.tail_cap + s->cerr.head_len + s->cerr.tail_cap;
    char *msg = malloc(cap);
    if (msg) {
        cs_exit_report *r = (cs_exit_report *)msg;
        memset(r, 0, sizeof *r);
        r->pid = s->pid;
        r->status = s->status;
        r->reason = s->reason;
        r->cgroup_cpu_valid = (uint32_t)s->cpu_valid;
        r->cgroup_cpu_ns = s->cpu_ns;
        r->start_ns = s->start;
        r->end_ns = s->end;
        r->utime_us = (uint64_t)s->ru.ru_utime.tv_sec * 1000000ull + (uint64_t)s->ru.ru_utime.tv_usec;
        r->stime_us = (uint64_t)s->ru.ru_stime.tv_sec * 1000000ull + (uint64_t)s->ru.ru_stime.tv_usec;
        r->maxrss_kb = (uint64_t)s->ru.ru_maxrss;
        r->stdout_total = s->cout.total;
        r->stderr_total = s->cerr.total;
        char *p = msg + sizeof *r;
        memcpy(p, s->cout.head, s->cout.head_len);
        p += s->cout.head_len;
        r->stdout_head_len = (uint32_t)s->cout.head_len;
        r->stdout_tail_len = (uint32_t)capture_tail(&s->cout, p);
        p += r->stdout_tail_len;
        memcpy(p, s->cerr.head, s->cerr.head_len);
        p += s->cerr.head_len;
        r->stderr_head_len = (uint32_t)s->cerr.head_len;
        r->stderr_tail_len = (uint32_t)capture_tail(&s->cerr, p);
        p += r->stderr_tail_len;
        cs_send_frame(CTL_FD, CS_MSG_EXITED, s->id, msg, (uint32_t)(p - msg), NULL, 0);
        free(msg);
    }
    free(s->cout.head);
    free(s->cout.tail);
    free(s->cerr.head);
    free(s->cerr.tail);
    memset(s, 0, sizeof *s);
}

static void reply_spawn_error(uint32_t id, int error, const char *text) {
    char buf[sizeof(cs_spawned_reply) + 256];
    cs_spawned_reply *r = (cs_spawned_reply *)buf;
    r->error = error ? error : EINVAL;
    r->pid = 0;
    int n = snprintf(buf + sizeof *r, 256, "%s", text);
    if (n > 255) n = 255;
    cs_send_frame(CTL_FD, CS_MSG_SPAWNED, id, buf, (uint32_t)(sizeof *r + (size_t)n), NULL, 0);
}

static void do_spawn(const cs_frame_header *h, char *payload, int *fds) {
    int nfds = (int)h->nfds;
    if (h->length < sizeof(cs_spawn_request)) {
        reply_spawn_error(h->id, EINVAL, "malformed spawn request");
        return;
    }
    cs_spawn_request req;
    memcpy(&req, payload, sizeof req);
    int before_pass = (req.has_stdin_fd ? 1 : 0) + (req.has_stdout_tee_fd ? 1 : 0);
    int expect = before_pass + (int)req.npass;
    if (req.npass > CS_MAX_FDS || expect != nfds || req.argc == 0 ||
        (req.domain != CS_DOMAIN_STUDENT && req.domain != CS_DOMAIN_DRIVER) ||
        req.argc > 65536 || req.envc > 65536) {
        reply_spawn_error(h->id, EINVAL, "malformed spawn request");
        return;
    }
    spawn_slot *s = NULL;
    for (int i = 0; i < MAX_SPAWNS && !s; i++)
        if (!slots[i].used) s = &slots[i];
    if (!s) {
        reply_spawn_error(h->id, EAGAIN, "too many concurrent runs in one cell");
        return;
    }
    // Parse cwd, argv and envp from the packed strings.
    char *p = payload + sizeof req, *end = payload + h->length;
    char **argv = calloc(req.argc + 1, sizeof(char *));
    char **envp = calloc(req.envc + 1, sizeof(char *));
    const char *cwd = NULL;
    uint32_t total = 1 + req.argc + req.envc;
    int ok = argv && envp;
    for (uint32_t i = 0; ok && i < total; i++) {
        char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) {
            ok = 0;
            break;
        }
        if (i == 0) cwd = p;
        else if (i <= req.argc) argv[i - 1] = p;
        else envp[i - 1 - req.argc] = p;
        p = z + 1;
    }
    if (!ok) {
        free(argv);
        free(envp);
        reply_spawn_error(h->id, EINVAL, "malformed spawn request");
        return;
    }
    int tee = req.has_stdout_tee_fd ? fds[req.has_stdin_fd ? 1 : 0] : -1;
    if (tee >= 0) fcntl(tee, F_SETFL, fcntl(tee, F_GETFL) | O_NONBLOCK);
    int in = req.has_stdin_fd ? fds[0] : open("/dev/null", O_RDONLY | O_CLOEXEC);
    // stdin and the stdout copy are ours from here on; the caller closes the passed ones.
    for (int i = 0; i < before_pass; i++) fds[i] = -1;
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, failp[2] = {-1, -1};
    if (in < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(failp, O_CLOEXEC) < 0) {
        int e = errno;
        reply_spawn_error(h->id, e, "cannot create the run's pipes");
        goto cleanup_fail;
    }
    memset(s, 0, sizeof *s);
    s->used = 1;
    s->id = h->id;
    s->cout.tee = tee;
    s->cerr.tee = -1;
    tee = -1; // owned by the slot from here on
    s->cout.head_cap = s->cerr.head_cap = req.capture_head;
    s->cout.tail_cap = s->cerr.tail_cap = req.capture_tail;
    s->cout.head = malloc(req.capture_head + 1);
    s->cout.tail = malloc(req.capture_tail + 1);
    s->cerr.head = malloc(req.capture_head + 1);
    s->cerr.tail = malloc(req.capture_tail + 1);
    int is_driver = req.domain == CS_DOMAIN_DRIVER;
    cs_child_plan plan = {&req, cwd, argv, envp, in, outp[1], errp[1], failp[1],
                       cell_cfg->confined, cell_cfg->use_userns, is_driver ? driver_uid : cell_uid,
                       is_driver ? driver_gid : cell_gid, fds + before_pass, (int)req.npass,
                       is_driver || !cell_cfg->confined ? -1 : student.mntns,
                       is_driver || !cell_cfg->confined ? -1 : student.ipcns};
    // Peak memory is the cell's; restart it so it describes this run.
    for (int i = 0; i < cell_ncg; i++) {
        if (cell_kinds[i] != CS_CGROUP_V1_MEMORY) continue;
        int fd = openat(cell_cg[i], "memory.max_usage_in_bytes", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (write(fd, "0", 1) < 0) {}
            close(fd);
        }
    }
    s->cpu_base_valid = read_cpu(&s->cpu_base);
    s->start = cs_monotonic_ns();
    s->domain = req.domain;
    // A student's program is born in the student domain's pid namespace.
    int enter = !is_driver && cell_cfg->confined;
    pid_t pid = -1;
    int fork_errno = 0;
    if (enter && setns(student.pidns, CLONE_NEWPID) < 0) {
        fork_errno = errno;
    } else {
        pid = cs_spawn_child(&plan);
        fork_errno = errno;
        if (enter && setns(student.cell_pidns, CLONE_NEWPID) < 0) {
            // Init could no longer place drivers correctly: end the cell rather than that.
            _exit(1);
        }
    }
    close(outp[1]);
    close(errp[1]);
    close(failp[1]);
    close(in);
    in = -1;
    free(argv);
    free(envp);
    argv = envp = NULL;
    if (pid < 0) {
        close(outp[0]);
        close(errp[0]);
        close(failp[0]);
        if (s->cout.tee >= 0) close(s->cout.tee);
        free(s->cout.head); free(s->cout.tail); free(s->cerr.head); free(s->cerr.tail);
        memset(s, 0, sizeof *s);
        reply_spawn_error(h->id, fork_errno, "cannot fork the run's process");
        return;
    }
    cs_child_failure f;
    int r = cs_read_all(failp[0], &f, sizeof f);
    close(failp[0]);
    if (r == 0) {
        // The child failed before exec: reap it and report why.
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        close(outp[0]);
        close(errp[0]);
        if (s->cout.tee >= 0) close(s->cout.tee);
        free(s->cout.head); free(s->cout.tail); free(s->cerr.head); free(s->cerr.tail);
        memset(s, 0, sizeof *s);
        char text[256];
        snprintf(text, sizeof text, "%s: %s", f.stage, strerror(f.error));
        reply_spawn_error(h->id, f.error, text);
        return;
    }
    s->pid = pid;
    s->out = outp[0];
    s->err = errp[0];
    fcntl(s->out, F_SETFL, O_NONBLOCK);
    fcntl(s->err, F_SETFL, O_NONBLOCK);
    s->wall_deadline = req.wall_ns ? s->start + req.wall_ns : 0;
    s->cpu_limit = req.cpu_ns;
    s->output_limit = req.output_limit;
    s->next_cpu_check = s->start + CPU_POLL_NS;
    cs_spawned_reply ok_reply = {0, pid};
    cs_send_frame(CTL_FD, CS_MSG_SPAWNED, h->id, &ok_reply, sizeof ok_reply, NULL, 0);
    return;

cleanup_fail:
    if (in >= 0) close(in);
    if (tee >= 0) close(tee);
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0) close(outp[i]);
        if (errp[i] >= 0) close(errp[i]);
        if (failp[i] >= 0) close(failp[i]);
    }
    free(argv);
    free(envp);
}

static void do_socket(const cs_frame_header *h, const char *payload) {
    int32_t result = 0;
    int fd = -1;
    if (h->length >= sizeof(cs_socket_request)) {
        cs_socket_request req;
        memcpy(&req, payload, sizeof req);
        fd = socket(req.domain, req.type | SOCK_CLOEXEC, req.protocol);
        if (fd < 0) result = errno;
    } else {
        result = EINVAL;
    }
    cs_send_frame(CTL_FD, CS_MSG_SOCKET_REPLY, h->id, &result, sizeof result, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
    if (fd >= 0) close(fd);
}

static void __attribute__((noreturn)) shut_down(void) {
    // Matters in unconfined mode, where no pid namespace ends with us.
    for (int i = 0; i < MAX_SPAWNS; i++)
        if (slots[i].used && slots[i].pid > 0) kill(-slots[i].pid, SIGKILL);
    if (!cell_cfg->confined) kill_everything();
    _exit(0);
}

static void pump(spawn_slot *s, int *fd, capture *c) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            capture_add(c, buf, (size_t)n);
            if (s->output_limit && s->cout.total + s->cerr.total > s->output_limit && !(s->reason & CS_REASON_OUTPUT)) {
                s->reason |= CS_REASON_OUTPUT;
                kill_tree(s, SIGKILL);
            }
            if ((size_t)n < sizeof buf) return;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        close(*fd);
        *fd = -1;
        return;
    }
}

static void __attribute__((noreturn)) serve(int sigfd) {
    struct pollfd pfd[2 + 2 * MAX_SPAWNS];
    spawn_slot *owner[2 + 2 * MAX_SPAWNS];
    int *which[2 + 2 * MAX_SPAWNS];
    for (;;) {
        uint64_t now = cs_monotonic_ns();
        uint64_t next = UINT64_MAX;
        int n = 0;
        pfd[n++] = (struct pollfd){CTL_FD, POLLIN, 0};
        pfd[n++] = (struct pollfd){sigfd, POLLIN, 0};
        for (int i = 0; i < MAX_SPAWNS; i++) {
            spawn_slot *s = &slots[i];
            if (!s->used) continue;
            if (s->needs_kill) {
                s->needs_kill = 0;
                kill_tree(s, SIGKILL);
            }
            if (!s->exited) {
                if (s->wall_deadline && now >= s->wall_deadline) {
                    s->reason |= CS_REASON_WALL;
                    kill_tree(s, SIGKILL);
                }
                if (s->cpu_limit && now >= s->next_cpu_check) {
                    uint64_t cpu;
                    if (s->cpu_base_valid && read_cpu(&cpu) && cpu >= s->cpu_base + s->cpu_limit &&
                        !(s->reason & CS_REASON_CPU)) {
                        s->reason |= CS_REASON_CPU;
                        kill_tree(s, SIGKILL);
                    }
                    s->next_cpu_check = now + CPU_POLL_NS;
                }
                if (s->wall_deadline && s->wall_deadline < next) next = s->wall_deadline;
                if (s->cpu_limit && s->next_cpu_check < next) next = s->next_cpu_check;
            } else if ((s->out < 0 && s->err < 0) || now >= s->drain_deadline) {
                finish(s);
                continue;
            } else if (s->drain_deadline < next) {
                next = s->drain_deadline;
            }
            if (s->out >= 0) {
                owner[n] = s;
                which[n] = &s->out;
                pfd[n++] = (struct pollfd){s->out, POLLIN, 0};
            }
            if (s->err >= 0) {
                owner[n] = s;
                which[n] = &s->err;
                pfd[n++] = (struct pollfd){s->err, POLLIN, 0};
            }
        }
        int timeout = -1;
        if (next != UINT64_MAX) {
            uint64_t wait_ns = next > now ? next - now : 0;
            timeout = (int)((wait_ns + 999999) / 1000000);
        }
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r < 0) {
            if (errno == EINTR) continue;
            shut_down();
        }
        if (pfd[1].revents) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) > 0) {}
            reap_children();
        }
        for (int i = 2; i < n; i++) {
            if (pfd[i].revents && *which[i] == pfd[i].fd) {
                capture *c = which[i] == &owner[i]->out ? &owner[i]->cout : &owner[i]->cerr;
                pump(owner[i], which[i], c);
            }
        }
        if (pfd[0].revents) {
            cs_frame_header h;
            void *payload;
            int fds[CS_MAX_FDS];
            if (cs_recv_frame(CTL_FD, &h, &payload, fds) < 0) shut_down();
            if (h.type == CS_MSG_SPAWN) {
                do_spawn(&h, payload, fds);
                for (int i = 0; i < CS_MAX_FDS; i++)
                    if (fds[i] >= 0) close(fds[i]);
            } else {
                if (h.type == CS_MSG_SOCKET) {
                    do_socket(&h, payload);
                } else if (h.type == CS_MSG_SIGNAL && h.length >= sizeof(int32_t)) {
                    int32_t sig;
                    memcpy(&sig, payload, sizeof sig);
                    spawn_slot *s = slot_by_id(h.id);
                    if (s && !s->exited) {
                        if (sig == SIGKILL) s->reason |= CS_REASON_REQUESTED;
                        kill_tree(s, sig);
                    }
                }
                for (uint32_t i = 0; i < h.nfds && i < CS_MAX_FDS; i++) close(fds[i]);
            }
            free(payload);
        }
    }
}

void cs_init_main(const cs_cell_config *cfg) {
    cell_cfg = cfg;
    // A zygote ignores SIGCHLD to have its children reaped for it; init
    // must see its children's exit statuses.
    signal(SIGCHLD, SIG_DFL);
    cell_ncg = cfg->ncgroups;
    for (int i = 0; i < cell_ncg; i++) {
        cell_cg[i] = CTL_FD + 1 + i;
        cell_kinds[i] = cfg->cgroup_kinds[i];
    }
    prctl(PR_SET_NAME, "cell-init");
    prctl(PR_SET_DUMPABLE, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_SETMASK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

    char err[512] = "";
    int driver_dir = -1;
    int32_t host_pid = 0;
    char link[64];
    ssize_t ln = readlink("/proc/self", link, sizeof link - 1);
    if (ln > 0) {
        link[ln] = 0;
        host_pid = atoi(link);
    }
    if (!cfg->confined) {
        cell_uid = driver_uid = getuid();
        cell_gid = driver_gid = getgid();
    } else if (cfg->use_userns) {
        // One uid is all an unprivileged user namespace can map: the domains are then kept
        // apart by their pid and mount namespaces alone.
        cell_uid = driver_uid = cfg->userns_inner_id;
        cell_gid = driver_gid = cfg->userns_inner_id;
    } else {
        // A uid of its own per live cell (host pids are unique), so that
        // RLIMIT_NPROC and signal permissions never span two cells; the
        // driver domain's uid is as unique, in a range above every pid.
        cell_uid = cfg->root_uid_base + (uint32_t)host_pid;
        cell_gid = cell_uid;
        driver_uid = cfg->root_uid_base + CS_DRIVER_UID_OFFSET + (uint32_t)host_pid;
        driver_gid = driver_uid;
    }
    int failed = sigfd < 0;
    if (failed) cs_set_err(err, sizeof err, "cannot create a signalfd: %s", strerror(errno));
    if (!failed && cfg->confined) {
        failed = cs_build_root(cfg, cell_uid, cell_gid, driver_gid, &driver_dir, err, sizeof err) < 0 ||
                 cs_bring_up_loopback(err, sizeof err) < 0 ||
                 (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0 &&
                  (cs_set_err(err, sizeof err, "cannot set the hostname: %s", strerror(errno)), 1));
    }
    int box = -1;
    if (!failed) {
        box = open(cfg->confined ? "/box" : cfg->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (box < 0) {
            failed = 1;
            cs_set_err(err, sizeof err, "cannot open the work directory: %s", strerror(errno));
        }
    }
    if (!failed && cfg->confined)
        failed = cs_student_domain_start(&student, !cfg->use_userns, err, sizeof err) < 0 ||
                 cs_hide_student_files(err, sizeof err) < 0;
    if (!failed && !cfg->confined) {
        // Unconfined development mode: the driver's files are a folder of the work dir.
        if (mkdirat(box, ".driver", 0700) < 0 && errno != EEXIST) failed = 1;
        driver_dir = failed ? -1 : openat(box, ".driver", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (driver_dir < 0) {
            failed = 1;
            cs_set_err(err, sizeof err, "cannot create the driver domain's folder: %s", strerror(errno));
        }
    }
    if (failed) {
        char buf[sizeof(int32_t) + sizeof err];
        memcpy(buf, &host_pid, sizeof host_pid);
        size_t len = strlen(err);
        memcpy(buf + sizeof host_pid, err, len);
        cs_send_frame(CTL_FD, CS_MSG_SETUP_ERROR, 0, buf, (uint32_t)(sizeof host_pid + len), NULL, 0);
        _exit(1);
    }
    uint32_t ready[5] = {(uint32_t)host_pid, cell_uid, cell_gid, driver_uid, driver_gid};
    int dirs[2] = {box, driver_dir};
    cs_send_frame(CTL_FD, CS_MSG_READY, 0, ready, sizeof ready, dirs, 2);
    close(box);
    close(driver_dir);
    serve(sigfd);
}
