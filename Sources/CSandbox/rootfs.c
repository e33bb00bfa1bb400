// The cell's file system: a new root on a tmpfs, the capped work tmpfs behind /box, /tmp and
// /dev/shm, the driver domain's files behind /driver, read-only system paths, a minimal /dev,
// a fresh /proc, loopback; and the driver domain's own view of it all.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

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

// MARK: - Small file helpers used while building the cell

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    int r = cs_write_all(fd, text, strlen(text));
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

int cs_build_root(const cs_cell_config *cfg, uid_t uid, gid_t gid, gid_t driver_gid, int *driver_fd, char *err,
                  size_t errlen) {
    char path[4096], opts[256];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        cs_set_err(err, errlen, "cannot make the mount tree private: %s", strerror(errno));
        return -1;
    }
    // The new root is assembled on a tmpfs mounted over /tmp inside the
    // cell's private mount namespace, so nothing is ever created on the host.
    if (mount("cell", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755") < 0) {
        cs_set_err(err, errlen, "cannot mount the cell's root tmpfs: %s", strerror(errno));
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
            cs_set_err(err, errlen, "cannot create %s: %s", dirs[i], strerror(errno));
            return -1;
        }
    }
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=%llu,mode=0755",
             (unsigned long long)cfg->disk_bytes, (unsigned long long)cfg->disk_inodes);
    if (mount("cell-rw", NEWROOT "/proc", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
        cs_set_err(err, errlen, "cannot mount the work tmpfs (%s): %s", opts, strerror(errno));
        return -1;
    }
    if (mkdir(NEWROOT "/proc/box", 0755) < 0 || chown(NEWROOT "/proc/box", uid, gid) < 0 ||
        mkdir(NEWROOT "/proc/tmp", 0777) < 0 || chmod(NEWROOT "/proc/tmp", 01777) < 0 ||
        mkdir(NEWROOT "/proc/shm", 0777) < 0 || chmod(NEWROOT "/proc/shm", 01777) < 0) {
        cs_set_err(err, errlen, "cannot prepare the work tmpfs: %s", strerror(errno));
        return -1;
    }
    if (bind_into(NEWROOT "/proc/box", NEWROOT "/box", 0) < 0 ||
        bind_into(NEWROOT "/proc/tmp", NEWROOT "/tmp", 0) < 0 ||
        bind_into(NEWROOT "/proc/shm", NEWROOT "/dev/shm", 0) < 0) {
        cs_set_err(err, errlen, "cannot bind the work directories: %s", strerror(errno));
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
        cs_set_err(err, errlen, "cannot prepare the driver domain's files: %s", strerror(errno));
        return -1;
    }
    *driver_fd = open(NEWROOT "/proc/drv", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*driver_fd < 0) {
        cs_set_err(err, errlen, "cannot open the driver domain's files: %s", strerror(errno));
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
            cs_set_err(err, errlen, "cannot expose %s read-only: %s", p, strerror(errno));
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
            cs_set_err(err, errlen, "cannot expose /dev/%s: %s", devs[i], strerror(errno));
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
        cs_set_err(err, errlen, "cannot mount a fresh /proc: %s", strerror(errno));
        return -1;
    }

    if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
        cs_set_err(err, errlen, "cannot pivot into the cell's root: %s", strerror(errno));
        return -1;
    }
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
        cs_set_err(err, errlen, "cannot detach the host's file system: %s", strerror(errno));
        return -1;
    }
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
        cs_set_err(err, errlen, "cannot make the cell's root read-only: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int cs_bring_up_loopback(char *err, size_t errlen) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        cs_set_err(err, errlen, "cannot open a socket to configure loopback: %s", strerror(errno));
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
        cs_set_err(err, errlen, "cannot bring up loopback in the cell: %s", strerror(e));
        return -1;
    }
    return 0;
}

// The driver domain's view is init's own mount namespace: hide the student's writable
// directories from it (the student's view was copied before) and give it a /tmp of its own.
int cs_hide_student_files(char *err, size_t errlen) {
    unsigned long flags = MS_NOSUID | MS_NODEV;
    if (mount("hidden", "/box", "tmpfs", MS_RDONLY | MS_NOEXEC | flags, "size=4k,nr_inodes=2,mode=0555") < 0 ||
        mount("driver-tmp", "/tmp", "tmpfs", flags, "size=16m,nr_inodes=1024,mode=1777") < 0 ||
        mount("/tmp", "/dev/shm", NULL, MS_BIND, NULL) < 0) {
        cs_set_err(err, errlen, "cannot give the driver domain its own view: %s", strerror(errno));
        return -1;
    }
    return 0;
}

