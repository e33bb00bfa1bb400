// Grader-side helpers: filling a cell's work directory and the unconfined
// baseline used by the benchmark. These run in the grader's own process.
#define _GNU_SOURCE
#include "csandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MFD_CLOEXEC_VALUE 0x0001U

static void host_err(char *err, size_t n, const char *fmt, ...) {
    if (!err || n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

// openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: a program that already
// ran in the cell may have planted symlinks, and we write as the grader.
static int open_beneath(int dirfd, const char *path, int flags, mode_t mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int copy_fd(int in, int out) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) return 0;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return -1;
            off += w;
        }
    }
}

static int copy_dir(int srcfd, int dstfd, const char *label, uint32_t uid, uint32_t gid, int chown_it,
                    char *err, size_t errlen, int depth) {
    if (depth > 64) {
        host_err(err, errlen, "%s is nested too deeply", label);
        return -1;
    }
    DIR *d = fdopendir(dup(srcfd));
    if (!d) {
        host_err(err, errlen, "cannot read %s: %s", label, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        struct stat st;
        if (fstatat(srcfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", label, e->d_name);
        if (S_ISDIR(st.st_mode)) {
            if (mkdirat(dstfd, e->d_name, 0755) < 0 && errno != EEXIST) {
                host_err(err, errlen, "cannot create %s in the work dir: %s", sub, strerror(errno));
                rc = -1;
                break;
            }
            int s2 = openat(srcfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            int d2 = open_beneath(dstfd, e->d_name, O_RDONLY | O_DIRECTORY, 0);
            if (s2 < 0 || d2 < 0) {
                host_err(err, errlen, "cannot open %s: %s", sub, strerror(errno));
                rc = -1;
            } else {
                if (chown_it) fchown(d2, uid, gid);
                rc = copy_dir(s2, d2, sub, uid, gid, chown_it, err, errlen, depth + 1);
            }
            if (s2 >= 0) close(s2);
            if (d2 >= 0) close(d2);
        } else if (S_ISREG(st.st_mode)) {
            int in = openat(srcfd, e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            int out = open_beneath(dstfd, e->d_name, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0755);
            if (in < 0 || out < 0 || copy_fd(in, out) < 0) {
                host_err(err, errlen, "cannot copy %s into the work dir: %s", sub, strerror(errno));
                rc = -1;
            } else if (chown_it) {
                fchown(out, uid, gid);
            }
            if (in >= 0) close(in);
            if (out >= 0) close(out);
        }
        // Symlinks, devices and sockets are skipped on purpose: a symlink
        // copied verbatim could point at anything in the cell's view.
    }
    closedir(d);
    return rc;
}

int cs_copy_tree(const char *src, int dst_dirfd, uint32_t uid, uint32_t gid, int chown_it, char *err,
                 size_t errlen) {
    int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s < 0) {
        host_err(err, errlen, "cannot open directory %s: %s", src, strerror(errno));
        return -1;
    }
    int rc = copy_dir(s, dst_dirfd, src, uid, gid, chown_it, err, errlen, 0);
    close(s);
    return rc;
}

int cs_write_file(int dirfd, const char *relpath, const void *data, size_t length, uint32_t uid, uint32_t gid,
                  int chown_it, char *err, size_t errlen) {
    if (relpath[0] == '/' || relpath[0] == 0) {
        host_err(err, errlen, "file path '%s' must be relative to the work dir", relpath);
        return -1;
    }
    char buf[4096];
    if (strlen(relpath) >= sizeof buf) {
        host_err(err, errlen, "file path is too long");
        return -1;
    }
    strcpy(buf, relpath);
    for (char *p = buf; (p = strchr(p, '/')); p++) {
        *p = 0;
        if (mkdirat(dirfd, buf, 0755) == 0 && chown_it) {
            int d = open_beneath(dirfd, buf, O_RDONLY | O_DIRECTORY, 0);
            if (d >= 0) {
                fchown(d, uid, gid);
                close(d);
            }
        }
        *p = '/';
    }
    int fd = open_beneath(dirfd, relpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        host_err(err, errlen, "cannot create %s in the work dir: %s", relpath, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = length;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            host_err(err, errlen, "cannot write %s in the work dir: %s", relpath, strerror(errno));
            close(fd);
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    if (chown_it) fchown(fd, uid, gid);
    close(fd);
    return 0;
}

uint64_t cs_run_plain(const char *path, char *const argv[], char *const envp[], int *status) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    uint64_t start = cs_monotonic_ns();
    pid_t pid;
    int r = posix_spawn(&pid, path, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) return 0;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (status) *status = st;
    return cs_monotonic_ns() - start;
}

int cs_memfd_with(const void *data, size_t length) {
    int fd = (int)syscall(SYS_memfd_create, "stdin", MFD_CLOEXEC_VALUE);
    if (fd < 0) return -1;
    const char *p = data;
    size_t left = length;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        p += n;
        left -= (size_t)n;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}
