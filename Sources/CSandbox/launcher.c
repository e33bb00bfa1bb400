// The cell launcher and the cell's init.
//
// cs_cell_open forks an intermediate process (a multithreaded process may not
// unshare a user namespace), which unshares the namespaces and clones the
// cell's init with CLONE_PARENT so that the grader, not the short-lived
// intermediate, is init's parent and reaps it. Init is pid 1 of the new pid
// namespace: it assembles the file system, brings up loopback, then serves
// the control channel (spawn, socket, signal) until the channel closes. When
// init exits the kernel kills every process of the pid namespace, so closing
// the channel, or the grader dying, tears the whole cell down.
//
// Only async-signal-safe calls run between the grader's fork and the
// intermediate's exit. Init and the children it forks are single-threaded
// processes, so they may use malloc and stdio freely.
#define _GNU_SOURCE
#include "csandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
struct cs_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

#define CTL_FD 3
// Driver uids sit above every possible pid (pid_max is at most 2^22), so they never meet a
// student uid (base + pid).
#define CS_DRIVER_UID_OFFSET (1u << 23)
#define NEWROOT "/tmp"
#define MAX_SPAWNS 64
#define DRAIN_GRACE_NS 200000000ull
#define CPU_POLL_NS 20000000ull

uint64_t cs_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void cs_free(void *p) { free(p); }

static void set_err(char *err, size_t n, const char *fmt, ...) {
    if (!err || n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static int write_all(int fd, const void *buf, size_t len) {
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

static int read_all(int fd, void *buf, size_t len) {
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
        int r = write_all(fd, (char *)&h + n, sizeof h - (size_t)n);
        if (r) return r;
    }
    if (length > 0) return write_all(fd, payload, length);
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
        int r = read_all(fd, (char *)h + n, sizeof *h - (size_t)n);
        if (r) return r;
    }
    if (h->length > (256u << 20)) return -EMSGSIZE;
    if (h->length > 0) {
        void *p = malloc(h->length);
        if (!p) return -ENOMEM;
        int r = read_all(fd, p, h->length);
        if (r) {
            free(p);
            return r;
        }
        *payload = p;
    }
    return 0;
}

// MARK: - Small file helpers used while building the cell

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    int r = write_all(fd, text, strlen(text));
    close(fd);
    return r == 0 ? 0 : -1;
}

static int mkdir_p(const char *path, mode_t mode) {
    char buf[4096];
    size_t len = strlen(path);
    if (len >= sizeof buf) return -1;
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
    return 0;
}

static int make_readonly(const char *path) {
    struct cs_mount_attr attr = {MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0};
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) == 0) return 0;
    if (errno != ENOSYS) return -1;
    // Older kernels: a bind remount may not clear flags the source mount
    // already has (the kernel locks them in a user namespace), so keep them.
    struct statvfs sv;
    unsigned long keep = 0;
    if (statvfs(path, &sv) == 0) {
        if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
    }
    return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | keep, NULL);
}

static int bind_into(const char *src, const char *dst, int readonly) {
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) return -1;
    if (readonly) return make_readonly(dst);
    return 0;
}

// MARK: - Building the cell's file system

static int setup_fs(const cs_cell_config *cfg, uid_t uid, gid_t gid, gid_t driver_gid, int *driver_fd, char *err,
                    size_t errlen) {
    char path[4096], opts[256];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        set_err(err, errlen, "cannot make the mount tree private: %s", strerror(errno));
        return -1;
    }
    // The new root is assembled on a tmpfs mounted over /tmp inside the
    // cell's private mount namespace, so nothing is ever created on the host.
    if (mount("cell", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755") < 0) {
        set_err(err, errlen, "cannot mount the cell's root tmpfs: %s", strerror(errno));
        return -1;
    }
    // One capped tmpfs backs /box, /tmp and /dev/shm so that a single disk
    // and inode budget covers everything the program can write. It is staged
    // on /proc, where the real proc later hides it: unmounting a staging
    // point instead would cost an RCU grace period per cell.
    static const char *dirs[] = {"/box", "/tmp", "/dev", "/dev/shm", "/proc", "/etc", "/driver"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, NEWROOT "%s", dirs[i]);
        if (mkdir(path, 0755) < 0) {
            set_err(err, errlen, "cannot create %s: %s", dirs[i], strerror(errno));
            return -1;
        }
    }
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=%llu,mode=0755",
             (unsigned long long)cfg->disk_bytes, (unsigned long long)cfg->disk_inodes);
    if (mount("cell-rw", NEWROOT "/proc", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
        set_err(err, errlen, "cannot mount the work tmpfs (%s): %s", opts, strerror(errno));
        return -1;
    }
    if (mkdir(NEWROOT "/proc/box", 0755) < 0 || chown(NEWROOT "/proc/box", uid, gid) < 0 ||
        mkdir(NEWROOT "/proc/tmp", 0777) < 0 || chmod(NEWROOT "/proc/tmp", 01777) < 0 ||
        mkdir(NEWROOT "/proc/shm", 0777) < 0 || chmod(NEWROOT "/proc/shm", 01777) < 0) {
        set_err(err, errlen, "cannot prepare the work tmpfs: %s", strerror(errno));
        return -1;
    }
    if (bind_into(NEWROOT "/proc/box", NEWROOT "/box", 0) < 0 ||
        bind_into(NEWROOT "/proc/tmp", NEWROOT "/tmp", 0) < 0 ||
        bind_into(NEWROOT "/proc/shm", NEWROOT "/dev/shm", 0) < 0) {
        set_err(err, errlen, "cannot bind the work directories: %s", strerror(errno));
        return -1;
    }
    // The driver domain's files: a tmpfs of their own (the student's disk budget is not
    // theirs), staged beneath the work tmpfs where /proc will hide it. The grader keeps a
    // descriptor of this writable mount; /driver is a read-only bind of it, group-readable
    // by the driver domain only.
    if (mkdir(NEWROOT "/proc/drv", 0700) < 0 ||
        mount("cell-driver", NEWROOT "/proc/drv", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,nr_inodes=4096,mode=0750") < 0 ||
        (!cfg->use_userns && chown(NEWROOT "/proc/drv", 0, driver_gid) < 0) ||
        bind_into(NEWROOT "/proc/drv", NEWROOT "/driver", 1) < 0) {
        set_err(err, errlen, "cannot prepare the driver domain's files: %s", strerror(errno));
        return -1;
    }
    *driver_fd = open(NEWROOT "/proc/drv", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*driver_fd < 0) {
        set_err(err, errlen, "cannot open the driver domain's files: %s", strerror(errno));
        return -1;
    }

    // A synthetic /etc: the host's may hold secrets (database passwords).
    char text[512];
    snprintf(text, sizeof text,
             "root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:%u:%u:student:/box:/bin/sh\n", uid, gid);
    write_file(NEWROOT "/etc/passwd", text);
    snprintf(text, sizeof text, "root:x:0:\nstudent:x:%u:\n", gid);
    write_file(NEWROOT "/etc/group", text);
    write_file(NEWROOT "/etc/hosts", "127.0.0.1 localhost cell\n::1 localhost ip6-localhost\n");

    for (const char *p = cfg->readonly_paths; p && *p; p += strlen(p) + 1) {
        struct stat st;
        if (p[0] != '/' || lstat(p, &st) < 0) continue;
        snprintf(path, sizeof path, NEWROOT "%s", p);
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", path);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = 0;
            mkdir_p(parent, 0755);
        }
        int r;
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = readlink(p, target, sizeof target - 1);
            if (n < 0) continue;
            target[n] = 0;
            r = symlink(target, path);
        } else if (S_ISDIR(st.st_mode)) {
            r = (mkdir(path, 0755) < 0 && errno != EEXIST) ? -1 : bind_into(p, path, 1);
        } else {
            int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0) close(fd);
            r = fd < 0 ? -1 : bind_into(p, path, 1);
        }
        if (r < 0) {
            set_err(err, errlen, "cannot expose %s read-only: %s", p, strerror(errno));
            return -1;
        }
    }

    // A minimal /dev: bind the harmless character devices one by one
    // (mknod is not allowed in a user namespace; binding works everywhere).
    static const char *devs[] = {"null", "zero", "full", "random", "urandom"};
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++) {
        char src[64];
        snprintf(src, sizeof src, "/dev/%s", devs[i]);
        snprintf(path, sizeof path, NEWROOT "/dev/%s", devs[i]);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd >= 0) close(fd);
        if (fd < 0 || mount(src, path, NULL, MS_BIND, NULL) < 0) {
            set_err(err, errlen, "cannot expose /dev/%s: %s", devs[i], strerror(errno));
            return -1;
        }
    }
    symlink("/proc/self/fd", NEWROOT "/dev/fd");
    symlink("/proc/self/fd/0", NEWROOT "/dev/stdin");
    symlink("/proc/self/fd/1", NEWROOT "/dev/stdout");
    symlink("/proc/self/fd/2", NEWROOT "/dev/stderr");

    // A fresh /proc shows the cell's processes only (and covers the staged
    // work tmpfs); as root we also hide init (which runs as root) from the
    // unprivileged programs.
    unsigned long pflags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (mount("proc", NEWROOT "/proc", "proc", pflags, cfg->use_userns ? NULL : "hidepid=2") < 0 &&
        mount("proc", NEWROOT "/proc", "proc", pflags, NULL) < 0) {
        set_err(err, errlen, "cannot mount a fresh /proc: %s", strerror(errno));
        return -1;
    }

    if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
        set_err(err, errlen, "cannot pivot into the cell's root: %s", strerror(errno));
        return -1;
    }
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
        set_err(err, errlen, "cannot detach the host's file system: %s", strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
        set_err(err, errlen, "cannot make the cell's root read-only: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int bring_up_loopback(char *err, size_t errlen) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        set_err(err, errlen, "cannot open a socket to configure loopback: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(s);
    if (r < 0) {
        set_err(err, errlen, "cannot bring up loopback in the cell: %s", strerror(e));
        return -1;
    }
    return 0;
}

// Init is a copy of the grader, whose command line and environment may
// carry secrets; blank them so the cell's /proc/1/cmdline shows nothing.
static void blank_inherited_arguments(void) {
    char buf[2048];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return;
    // Fields after ")" start at field 3; arg_start..env_end are 48..51.
    unsigned long long v[52] = {0};
    int field = 2;
    for (char *tok = strtok(p + 1, " "); tok && field < 51; tok = strtok(NULL, " ")) {
        field++;
        v[field] = strtoull(tok, NULL, 10);
    }
    if (field < 51) return;
    if (v[49] > v[48] && v[49] - v[48] < (1u << 20)) memset((void *)(uintptr_t)v[48], 0, v[49] - v[48]);
    if (v[51] > v[50] && v[51] - v[50] < (1u << 20)) memset((void *)(uintptr_t)v[50], 0, v[51] - v[50]);
}

// MARK: - Seccomp

#if defined(__x86_64__)
#define CS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef CS_AUDIT_ARCH
// System calls newer than some build hosts' headers; their numbers are shared by x86-64 and
// aarch64 (the unified table every architecture uses since 424).
#define NR_PIDFD_GETFD 438
#define NR_QUOTACTL_FD 443
#define NR_MEMFD_SECRET 447
#define NR_PROCESS_MRELEASE 448
#define NR_PROCESS_MADVISE 440
#define NR_CACHESTAT 451
#define NR_STATMOUNT 457
#define NR_LISTMOUNT 458
#define NR_OPEN_TREE_ATTR 467

#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                        CLONE_NEWNET | CLONE_NEWCGROUP | 0x00000080 /* CLONE_NEWTIME */)
#define RET(what) BPF_STMT(BPF_RET | BPF_K, (what))
#define FAIL(err) RET(SECCOMP_RET_ERRNO | (err))
#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define IF_EQ(k, jt, jf) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))
#define DENY(nr) IF_EQ((nr), 0, 1), FAIL(EPERM)

// The filter every program of a cell runs under, both domains. What it refuses and why is
// in Sources/Sandbox/README.md ("The seccomp filter"); keep the two in step.
static int install_seccomp(void) {
    struct sock_filter filter[] = {
        LOAD(arch),
        IF_EQ(CS_AUDIT_ARCH, 1, 0),
        RET(SECCOMP_RET_KILL_PROCESS),
        LOAD(nr),
#if defined(__x86_64__)
        // x32 system calls would bypass the numbers below.
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        FAIL(EPERM),
#endif
        // clone3 passes its flags in memory the filter cannot read; ENOSYS
        // makes libc fall back to clone, whose flags we can inspect.
        IF_EQ(SYS_clone3, 0, 1),
        FAIL(ENOSYS),
        IF_EQ(SYS_clone, 0, 4),
        LOAD(args[0]),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS_FLAGS, 0, 1),
        FAIL(EPERM),
        RET(SECCOMP_RET_ALLOW),
        // Socket families are an allow-list: unix, inet, inet6, and netlink only for
        // NETLINK_ROUTE (glibc's getaddrinfo asks it for the interfaces' addresses).
        // Everything else (AF_VSOCK, which no network namespace confines, AF_PACKET,
        // AF_ALG, AF_BLUETOOTH, …) fails as unsupported.
        IF_EQ(SYS_socket, 0, 9),
        LOAD(args[0]),
        IF_EQ(AF_UNIX, 6, 0),
        IF_EQ(AF_INET, 5, 0),
        IF_EQ(AF_INET6, 4, 0),
        IF_EQ(AF_NETLINK, 0, 2),
        LOAD(args[2]),
        IF_EQ(0 /* NETLINK_ROUTE */, 1, 0),
        FAIL(EAFNOSUPPORT),
        RET(SECCOMP_RET_ALLOW),
        IF_EQ(SYS_socketpair, 0, 4),
        LOAD(args[0]),
        IF_EQ(AF_UNIX, 0, 1),
        RET(SECCOMP_RET_ALLOW),
        FAIL(EAFNOSUPPORT),
        // Namespaces, mounts, and the file system's structure.
        DENY(SYS_unshare), DENY(SYS_setns), DENY(SYS_mount), DENY(SYS_umount2),
        DENY(SYS_pivot_root), DENY(SYS_chroot), DENY(SYS_fsopen), DENY(SYS_fsconfig), DENY(SYS_fsmount),
        DENY(SYS_fspick), DENY(SYS_move_mount), DENY(SYS_open_tree), DENY(NR_OPEN_TREE_ATTR),
        DENY(SYS_mount_setattr), DENY(NR_STATMOUNT), DENY(NR_LISTMOUNT), DENY(SYS_open_by_handle_at),
        DENY(SYS_name_to_handle_at), DENY(SYS_swapon), DENY(SYS_swapoff), DENY(SYS_quotactl),
        DENY(NR_QUOTACTL_FD),
        // Reaching into other processes: memory, descriptors, resources.
        DENY(SYS_ptrace), DENY(SYS_process_vm_readv), DENY(SYS_process_vm_writev), DENY(NR_PIDFD_GETFD),
        DENY(NR_PROCESS_MADVISE), DENY(NR_PROCESS_MRELEASE), DENY(SYS_kcmp), DENY(SYS_migrate_pages),
        DENY(SYS_move_pages),
        // Watching what others do with shared files: inotify and fanotify report other
        // cells' accesses to the shared read-only /usr; cachestat and mincore show which of
        // its pages are in the page cache.
#ifdef SYS_inotify_init
        DENY(SYS_inotify_init),
#endif
        DENY(SYS_inotify_init1), DENY(SYS_inotify_add_watch), DENY(SYS_fanotify_init),
        DENY(SYS_fanotify_mark), DENY(NR_CACHESTAT), DENY(SYS_mincore),
        // Kernel attack surface nothing here needs.
        DENY(SYS_keyctl), DENY(SYS_add_key), DENY(SYS_request_key), DENY(SYS_bpf),
        DENY(SYS_io_uring_setup), DENY(SYS_io_uring_enter), DENY(SYS_io_uring_register),
        DENY(SYS_io_setup), DENY(SYS_io_destroy), DENY(SYS_io_submit), DENY(SYS_io_cancel),
        DENY(SYS_io_getevents), DENY(SYS_io_pgetevents), DENY(SYS_perf_event_open),
        DENY(SYS_userfaultfd), DENY(NR_MEMFD_SECRET), DENY(SYS_kexec_load), DENY(SYS_kexec_file_load),
        DENY(SYS_init_module), DENY(SYS_finit_module), DENY(SYS_delete_module), DENY(SYS_reboot),
        DENY(SYS_acct), DENY(SYS_syslog), DENY(SYS_personality), DENY(SYS_vhangup),
        DENY(SYS_settimeofday), DENY(SYS_clock_settime), DENY(SYS_clock_adjtime),
        DENY(SYS_sethostname), DENY(SYS_setdomainname),
#if defined(__x86_64__)
        DENY(SYS_modify_ldt), DENY(SYS_iopl), DENY(SYS_ioperm), DENY(SYS_uselib),
#endif
        RET(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof filter / sizeof *filter), filter};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
#else
static int install_seccomp(void) { return 0; }
#endif

// MARK: - The spawned child (between fork and exec)

typedef struct {
    int32_t error;
    char stage[120];
} child_failure;

static void __attribute__((noreturn)) child_fail(int fd, const char *stage) {
    child_failure f;
    memset(&f, 0, sizeof f);
    f.error = errno;
    snprintf(f.stage, sizeof f.stage, "%s", stage);
    write_all(fd, &f, sizeof f);
    _exit(127);
}

static void set_limit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit rl = {(rlim_t)soft, (rlim_t)hard};
    setrlimit(resource, &rl);
}

typedef struct {
    const cs_spawn_request *req;
    const char *cwd;
    char **argv, **envp;
    int in, out, err, failfd;
    int confined, use_userns;
    uid_t uid;
    gid_t gid;
    const int *pass; // become fds 3, 4, … in the program
    int npass;
    int mntns, ipcns; // the student domain's mount and ipc namespaces, or -1 to stay in init's
} child_plan;

static int child_main(void *arg) {
    const child_plan *c = arg;
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (setsid() < 0) child_fail(c->failfd, "setsid");
    if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->err, 2) < 0) child_fail(c->failfd, "redirecting stdio");
    // Passed descriptors become 3, 4, …: first move them (and the failure pipe) above
    // every target so that no dup2 clobbers one not yet placed.
    int failfd = fcntl(c->failfd, F_DUPFD_CLOEXEC, 3 + c->npass);
    if (failfd < 0) child_fail(c->failfd, "placing the passed descriptors");
    int high[CS_MAX_FDS];
    for (int i = 0; i < c->npass; i++) {
        high[i] = fcntl(c->pass[i], F_DUPFD_CLOEXEC, 3 + c->npass);
        if (high[i] < 0) child_fail(failfd, "placing the passed descriptors");
    }
    for (int i = 0; i < c->npass; i++) {
        if (dup2(high[i], 3 + i) < 0) child_fail(failfd, "placing the passed descriptors");
    }
    const cs_spawn_request *r = c->req;
    // When the cell's memory runs out, the kernel must kill the student's program, never the
    // cell's init that supervises it; raising one's own score needs no privilege.
    int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom >= 0) {
        (void)!write(oom, "1000", 4);
        close(oom);
    }
    set_limit(RLIMIT_CORE, 0, 0);
    if (r->rlimit_nofile) set_limit(RLIMIT_NOFILE, r->rlimit_nofile, r->rlimit_nofile);
    if (r->rlimit_fsize) set_limit(RLIMIT_FSIZE, r->rlimit_fsize, r->rlimit_fsize);
    if (r->rlimit_nproc) set_limit(RLIMIT_NPROC, r->rlimit_nproc, r->rlimit_nproc);
    if (r->rlimit_as) set_limit(RLIMIT_AS, r->rlimit_as, r->rlimit_as);
    if (r->rlimit_cpu_s) set_limit(RLIMIT_CPU, r->rlimit_cpu_s, r->rlimit_cpu_s + 1);
    if ((c->mntns >= 0 && setns(c->mntns, CLONE_NEWNS) < 0) || (c->ipcns >= 0 && setns(c->ipcns, CLONE_NEWIPC) < 0))
        child_fail(failfd, "entering the student domain");
    if (chdir(c->cwd) < 0) child_fail(failfd, "entering the working directory");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail(failfd, "setting no_new_privs");
    if (c->confined) {
        for (int cap = 0; cap <= 63; cap++) {
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL) break;
        }
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        // Raw system calls: glibc's wrappers would try to synchronise the
        // credentials of other threads, and this child shares init's memory.
        if (!c->use_userns && syscall(SYS_setgroups, 0, NULL) < 0) child_fail(failfd, "clearing groups");
        if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) < 0) child_fail(failfd, "switching group");
        if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) < 0) child_fail(failfd, "switching user");
        struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof data);
        if (syscall(SYS_capset, &hdr, data) < 0) child_fail(failfd, "dropping capabilities");
    }
    syscall(SYS_close_range, 3 + (unsigned)c->npass, ~0U, CLOSE_RANGE_CLOEXEC);
    if (c->confined && install_seccomp() < 0) child_fail(failfd, "installing the seccomp filter");

    const char *file = c->argv[0];
    if (strchr(file, '/')) {
        execve(file, c->argv, c->envp);
        child_fail(failfd, "executing the program");
    }
    const char *path = "/usr/local/bin:/usr/bin:/bin";
    for (char **e = c->envp; *e; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
    }
    int saved = ENOENT;
    char full[4096];
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        if (len > 0 && len + strlen(file) + 2 < sizeof full) {
            memcpy(full, path, len);
            full[len] = '/';
            strcpy(full + len + 1, file);
            execve(full, c->argv, c->envp);
            if (errno != ENOENT) saved = errno;
        }
        path += len;
        if (*path == ':') path++;
    }
    errno = saved;
    child_fail(failfd, "finding the program on PATH");
}

// Init's memory is a copy of the grader's, so a plain fork would copy all of
// its page tables on every run; a vfork-style clone shares them until exec.
static pid_t spawn_child(child_plan *plan) {
    static char *stack;
    const size_t size = 256 * 1024;
    if (!stack) stack = malloc(size);
    if (!stack) return -1;
    return clone(child_main, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, plan);
}

// MARK: - Init: supervision of the cell's runs

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

// MARK: - The student domain's pid namespace

// The student's programs live in a pid namespace nested in the cell's, with a /proc of their
// own and a mount namespace in which /driver is empty: from there no driver-domain process
// has a pid (nothing to signal, trace, open /proc/<pid>/mem of, or pidfd_getfd from) and no
// driver file has a path. Its pid 1 ("cell-student", below) exists to keep the namespace
// alive, to reap the orphans of the student's programs, and to kill everything in it on
// request: kill(-1) from a namespace's init reaches exactly that namespace, atomically with
// respect to fork. The programs themselves are children of the cell's init, which enters the
// namespace (setns) just for the clone, so the supervisor waits for them as before.
static int student_pidns = -1, student_mntns = -1, student_ipcns = -1, cell_pidns = -1, student_ctl = -1;
static pid_t student_init = -1;

enum { STUDENT_KILL = 'K', STUDENT_REAP = 'W', STUDENT_READY = 'R' };

static void __attribute__((noreturn)) student_init_main(int ctl, int hidepid) {
    prctl(PR_SET_NAME, "cell-student");
    prctl(PR_SET_DUMPABLE, 0);
    // Orphans are reaped by the kernel; waitpid then blocks until none is left.
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (dup3(ctl, CTL_FD, O_CLOEXEC) < 0) _exit(1);
    syscall(SYS_close_range, CTL_FD + 1, ~0U, 0);
    char status = STUDENT_READY;
    unsigned long pflags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if ((mount("proc", "/proc", "proc", pflags, hidepid ? "hidepid=2" : NULL) < 0 &&
         mount("proc", "/proc", "proc", pflags, NULL) < 0) ||
        mount("hidden", "/driver", "tmpfs", MS_RDONLY | pflags, "size=4k,nr_inodes=2,mode=0555") < 0)
        status = 0;
    if (write(CTL_FD, &status, 1) != 1 || !status) _exit(1);
    for (;;) {
        char cmd;
        ssize_t n = read(CTL_FD, &cmd, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(0);
        if (cmd == STUDENT_KILL) {
            kill(-1, SIGKILL);
        } else if (cmd == STUDENT_REAP) {
            while (waitpid(-1, NULL, __WALL) >= 0 || errno == EINTR) {}
        }
        if (write(CTL_FD, &cmd, 1) != 1) _exit(0);
    }
}

static int student_request(char cmd) {
    char reply;
    if (write_all(student_ctl, &cmd, 1) < 0 || read_all(student_ctl, &reply, 1) < 0) return -1;
    return 0;
}

// Creates the student domain's namespaces. Runs in init after the root is built and before
// init hides the student's directories from its own (the driver domain's) view.
static int start_student_domain(char *err, size_t errlen) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        set_err(err, errlen, "cannot create the student domain's channel: %s", strerror(errno));
        return -1;
    }
    // Its own ipc namespace too: System V and POSIX message queues, semaphores and shared
    // memory are then no channel between the domains either.
    long pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) student_init_main(sv[1], !cell_cfg->use_userns);
    close(sv[1]);
    if (pid < 0) {
        set_err(err, errlen, "cannot create the student domain's pid namespace: %s", strerror(errno));
        close(sv[0]);
        return -1;
    }
    student_init = (pid_t)pid;
    student_ctl = sv[0];
    char ready = 0, path[64];
    if (read_all(student_ctl, &ready, 1) < 0 || ready != STUDENT_READY) {
        set_err(err, errlen, "the student domain's namespaces could not be prepared");
        return -1;
    }
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
    student_pidns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
    student_mntns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/ipc", (int)pid);
    student_ipcns = open(path, O_RDONLY | O_CLOEXEC);
    cell_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (student_pidns < 0 || student_mntns < 0 || student_ipcns < 0 || cell_pidns < 0) {
        set_err(err, errlen, "cannot open the student domain's namespaces: %s", strerror(errno));
        return -1;
    }
    return 0;
}

// The driver domain's view is init's own mount namespace: hide the student's writable
// directories from it (the student's view was copied before) and give it a /tmp of its own.
static int hide_student_files(char *err, size_t errlen) {
    unsigned long flags = MS_NOSUID | MS_NODEV;
    if (mount("hidden", "/box", "tmpfs", MS_RDONLY | MS_NOEXEC | flags, "size=4k,nr_inodes=2,mode=0555") < 0 ||
        mount("driver-tmp", "/tmp", "tmpfs", flags, "size=16m,nr_inodes=1024,mode=1777") < 0 ||
        mount("/tmp", "/dev/shm", NULL, MS_BIND, NULL) < 0) {
        set_err(err, errlen, "cannot give the driver domain its own view: %s", strerror(errno));
        return -1;
    }
    return 0;
}

// Kills every process of the student domain and waits until all are gone.
static void kill_student_domain(void) {
    if (student_request(STUDENT_KILL) < 0) return;
    // The runs' main processes are init's children: reap them first, so that every orphan
    // they leave has reached the namespace's init before it reaps what is left.
    for (int i = 0; i < MAX_SPAWNS; i++) {
        spawn_slot *s = &slots[i];
        if (!s->used || s->exited || s->pid <= 0 || s->domain != CS_DOMAIN_STUDENT) continue;
        int status;
        struct rusage ru;
        pid_t p;
        do {
            p = wait4(s->pid, &status, __WALL, &ru);
        } while (p < 0 && errno == EINTR);
        if (p == s->pid) record_exit(p, status, &ru);
    }
    student_request(STUDENT_REAP);
}

// Whether `pid` (in init's pid namespace) belongs to the student domain's namespace: its
// status then lists more than one pid on the NSpid line.
static int in_student_domain(pid_t pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *line = strstr(buf, "\nNSpid:");
    if (!line) return 0;
    char *end = strchr(line + 1, '\n');
    int fields = 0;
    for (char *p = line + 7; *p && p != end; p++)
        if ((p[0] == ' ' || p[0] == '\t') && p[1] >= '0' && p[1] <= '9') fields++;
    return fields > 1;
}

// Kills whatever the driver domain left behind (trusted code, so a sweep of /proc is
// enough: nothing there races us with forks on purpose). Orphans are init's to reap.
static void kill_driver_domain(void) {
    int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 1 || pid == student_init || in_student_domain(pid)) continue;
        kill(pid, SIGKILL);
    }
    closedir(d);
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
    if (s->domain == CS_DOMAIN_DRIVER) kill_driver_domain();
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
    child_plan plan = {&req, cwd, argv, envp, in, outp[1], errp[1], failp[1],
                       cell_cfg->confined, cell_cfg->use_userns, is_driver ? driver_uid : cell_uid,
                       is_driver ? driver_gid : cell_gid, fds + before_pass, (int)req.npass,
                       is_driver || !cell_cfg->confined ? -1 : student_mntns,
                       is_driver || !cell_cfg->confined ? -1 : student_ipcns};
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
    if (enter && setns(student_pidns, CLONE_NEWPID) < 0) {
        fork_errno = errno;
    } else {
        pid = spawn_child(&plan);
        fork_errno = errno;
        if (enter && setns(cell_pidns, CLONE_NEWPID) < 0) {
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
    child_failure f;
    int r = read_all(failp[0], &f, sizeof f);
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

static void __attribute__((noreturn)) init_main(const cs_cell_config *cfg) {
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
    blank_inherited_arguments();
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
    if (failed) set_err(err, sizeof err, "cannot create a signalfd: %s", strerror(errno));
    if (!failed && cfg->confined) {
        failed = setup_fs(cfg, cell_uid, cell_gid, driver_gid, &driver_dir, err, sizeof err) < 0 ||
                 bring_up_loopback(err, sizeof err) < 0 ||
                 (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0 &&
                  (set_err(err, sizeof err, "cannot set the hostname: %s", strerror(errno)), 1));
    }
    int box = -1;
    if (!failed) {
        box = open(cfg->confined ? "/box" : cfg->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (box < 0) {
            failed = 1;
            set_err(err, sizeof err, "cannot open the work directory: %s", strerror(errno));
        }
    }
    if (!failed && cfg->confined)
        failed = start_student_domain(err, sizeof err) < 0 || hide_student_files(err, sizeof err) < 0;
    if (!failed && !cfg->confined) {
        // Unconfined development mode: the driver's files are a folder of the work dir.
        if (mkdirat(box, ".driver", 0700) < 0 && errno != EEXIST) failed = 1;
        driver_dir = failed ? -1 : openat(box, ".driver", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (driver_dir < 0) {
            failed = 1;
            set_err(err, sizeof err, "cannot create the driver domain's folder: %s", strerror(errno));
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

// MARK: - The intermediate process and cs_cell_open

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
    // CLONE_PARENT makes the grader init's parent, so the grader can reap it
    // and this process can exit at once.
    long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) init_main(cfg);
    if (pid < 0) intermediate_fail("cannot start the cell's init (clone)");
    _exit(0);
}

static int finish_open(int ctl, int is_child, cs_cell_handle *out, char *err, size_t errlen);

int cs_cell_open(const cs_cell_config *cfg, cs_cell_handle *out, char *err, size_t errlen) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        set_err(err, errlen, "cannot create the cell's control channel: %s", strerror(errno));
        return -1;
    }
    pid_t mid = fork();
    if (mid < 0) {
        set_err(err, errlen, "cannot fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (mid == 0) intermediate(cfg, sv[1]);
    close(sv[1]);
    int st;
    while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {}
    return finish_open(sv[0], 1, out, err, errlen);
}

static int finish_open(int ctl, int is_child, cs_cell_handle *out, char *err, size_t errlen) {
    int sv[2] = {ctl, -1};
    int st;
    cs_frame_header h;
    void *payload = NULL;
    int fds[CS_MAX_FDS];
    int r = cs_recv_frame(sv[0], &h, &payload, fds);
    if (r < 0) {
        set_err(err, errlen, "the cell's init ended during setup (%s)", strerror(-r));
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
        set_err(err, errlen, "%.*s", (int)(h.length - sizeof(int32_t)), (char *)payload + sizeof(int32_t));
    } else {
        set_err(err, errlen, "the cell's init sent an unexpected message during setup");
    }
    free(payload);
    for (int i = 0; i < CS_MAX_FDS; i++)
        if (fds[i] >= 0) close(fds[i]);
    close(sv[0]);
    if (init_pid > 0) cs_wait_exit(init_pid, is_child);
    (void)st;
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

// MARK: - Zygotes

// A request to a zygote: the config with its strings appended, and the
// cell's control channel as the one passed descriptor.
static void __attribute__((noreturn)) zygote_main(int zfd, int ncg) {
    prctl(PR_SET_NAME, "cell-zygote");
    // Children (intermediates, and inits via CLONE_PARENT) are reaped by
    // the kernel; the grader learns of an init's end through a pidfd.
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        static char buf[sizeof(cs_cell_config) + 65536];
        struct iovec iov = {buf, sizeof buf};
        union {
            char c[CMSG_SPACE(sizeof(int))];
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
        int ctl = -1;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_type == SCM_RIGHTS) memcpy(&ctl, CMSG_DATA(c), sizeof ctl);
        if (ctl < 0 || (size_t)n < sizeof(cs_cell_config)) {
            if (ctl >= 0) close(ctl);
            continue;
        }
        cs_cell_config cfg;
        memcpy(&cfg, buf, sizeof cfg);
        char *p = buf + sizeof cfg, *end = buf + n;
        // Strings: read-only paths (ending with an empty one), hostname, workdir.
        cfg.readonly_paths = p;
        while (p < end && *p) p += strnlen(p, (size_t)(end - p)) + 1;
        p++;
        cfg.hostname = p < end ? p : "cell";
        p += p < end ? strnlen(p, (size_t)(end - p)) + 1 : 0;
        cfg.workdir = p < end ? p : "";
        cfg.ncgroups = ncg;
        for (int i = 0; i < ncg; i++) cfg.cgroup_fds[i] = CTL_FD + 1 + i;
        cfg.join_cgroups = 0;
        pid_t pid = fork();
        if (pid == 0) intermediate(&cfg, ctl);
        close(ctl);
    }
}

int cs_zygote_start(const int *cgroup_fds, int ncg, int *zygote_fd, int *zygote_pid, char *err, size_t errlen) {
    int sv[2];
    if (ncg < 0 || ncg > CS_MAX_CGROUPS) {
        set_err(err, errlen, "too many cgroups");
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        set_err(err, errlen, "cannot create a zygote channel: %s", strerror(errno));
        return -1;
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        set_err(err, errlen, "cannot create a pipe: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        set_err(err, errlen, "cannot fork a zygote: %s", strerror(errno));
        close(sv[0]); close(sv[1]); close(ready[0]); close(ready[1]);
        return -1;
    }
    if (pid == 0) {
        // Same descriptor layout as a cell's intermediate: channel at 3,
        // cgroup directories at 4 and up, the status pipe just above.
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
        for (int i = 0; i <= ncg + 1; i++) {
            if (high[i] < 0 || dup3(high[i], CTL_FD + i, O_CLOEXEC) < 0) _exit(1);
        }
        syscall(SYS_close_range, CTL_FD + 2 + ncg, ~0U, 0);
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
    close(sv[1]);
    close(ready[1]);
    int status = -1;
    int r = read_all(ready[0], &status, sizeof status);
    close(ready[0]);
    if (r < 0 || status != 0) {
        set_err(err, errlen, "the zygote could not join its cgroups: %s", strerror(r < 0 ? -r : status));
        close(sv[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        return -1;
    }
    *zygote_fd = sv[0];
    *zygote_pid = pid;
    return 0;
}

int cs_zygote_open(int zfd, const cs_cell_config *cfg, cs_cell_handle *out, char *err, size_t errlen) {
    static const size_t cap = sizeof(cs_cell_config) + 65536;
    char *buf = malloc(cap);
    if (!buf) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    size_t len = sizeof *cfg;
    memcpy(buf, cfg, sizeof *cfg);
    const char *p = cfg->readonly_paths ? cfg->readonly_paths : "\0";
    size_t plen = 0;
    while (p[plen]) plen += strlen(p + plen) + 1;
    plen += 1;
    const char *host = cfg->hostname ? cfg->hostname : "cell", *work = cfg->workdir ? cfg->workdir : "";
    if (len + plen + strlen(host) + strlen(work) + 2 > cap) {
        free(buf);
        set_err(err, errlen, "the list of read-only paths is too long");
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
        set_err(err, errlen, "cannot create the cell's control channel: %s", strerror(errno));
        return -1;
    }
    struct iovec iov = {buf, len};
    union {
        char c[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.c;
    msg.msg_controllen = sizeof u.c;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
    ssize_t n;
    do {
        n = sendmsg(zfd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    int e = errno;
    free(buf);
    close(sv[1]);
    if (n < 0) {
        close(sv[0]);
        set_err(err, errlen, "the zygote is gone: %s", strerror(e));
        return -1;
    }
    return finish_open(sv[0], 0, out, err, errlen);
}
