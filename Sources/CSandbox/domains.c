// The student domain's namespaces, and the sweep that ends the driver domain's leftovers.
//
// The student's programs live in a pid namespace nested in the cell's, with a /proc of their
// own, a mount namespace in which /driver is empty, and an ipc namespace of their own: from
// there no driver-domain process has a pid (nothing to signal, trace, open /proc/<pid>/mem of,
// or pidfd_getfd from), no driver file has a path, and no System V or POSIX ipc object is
// shared. Its pid 1 ("cell-student") exists to keep the namespace alive, to reap the orphans
// of the student's programs, and to kill everything in it on request: kill(-1) from a
// namespace's init reaches exactly that namespace, atomically with respect to fork. The
// programs themselves are children of the cell's init, which enters the namespace (setns)
// just for the clone, so the supervisor waits for them as before.
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void __attribute__((noreturn)) student_init_main(int ctl, int hidepid) {
    prctl(PR_SET_NAME, "cell-student");
    prctl(PR_SET_DUMPABLE, 0);
    // Orphans are reaped by the kernel; waitpid then blocks until none is left.
    signal(SIGCHLD, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (dup3(ctl, CTL_FD, O_CLOEXEC) < 0) _exit(1);
    syscall(SYS_close_range, CTL_FD + 1, ~0U, 0);
    char status = CS_STUDENT_READY;
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
        if (cmd == CS_STUDENT_END) {
            // Every process of the namespace but this one, at once; then wait: reaping a
            // process hands its children to us, so ECHILD means none is left.
            kill(-1, SIGKILL);
            while (waitpid(-1, NULL, __WALL) >= 0 || errno == EINTR) {}
        }
        if (write(CTL_FD, &cmd, 1) != 1) _exit(0);
    }
}

int cs_student_domain_request(const cs_student_domain *d, char cmd) {
    char reply;
    if (cs_write_all(d->ctl, &cmd, 1) < 0 || cs_read_all(d->ctl, &reply, 1) < 0) return -1;
    return 0;
}

int cs_student_domain_has_children(const cs_student_domain *d) {
    char path[96], c;
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)d->init, (int)d->init);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    ssize_t n = read(fd, &c, 1);
    close(fd);
    return n != 0;
}

// Runs in init after the root is built and before init hides the student's directories from
// its own (the driver domain's) view: the student domain's mount namespace is a copy of
// init's at this moment.
int cs_student_domain_start(cs_student_domain *d, int hidepid, char *err, size_t errlen) {
    d->pidns = d->mntns = d->ipcns = d->cell_pidns = d->ctl = -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        cs_set_err(err, errlen, "cannot create the student domain's channel: %s", strerror(errno));
        return -1;
    }
    long pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) student_init_main(sv[1], hidepid);
    close(sv[1]);
    if (pid < 0) {
        cs_set_err(err, errlen, "cannot create the student domain's namespaces: %s", strerror(errno));
        close(sv[0]);
        return -1;
    }
    d->init = (pid_t)pid;
    d->ctl = sv[0];
    char ready = 0, path[64];
    if (cs_read_all(d->ctl, &ready, 1) < 0 || ready != CS_STUDENT_READY) {
        cs_set_err(err, errlen, "the student domain's /proc and /driver could not be mounted");
        return -1;
    }
    snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
    d->pidns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)pid);
    d->mntns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/ipc", (int)pid);
    d->ipcns = open(path, O_RDONLY | O_CLOEXEC);
    d->cell_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (d->pidns < 0 || d->mntns < 0 || d->ipcns < 0 || d->cell_pidns < 0) {
        cs_set_err(err, errlen, "cannot open the student domain's namespaces: %s", strerror(errno));
        return -1;
    }
    return 0;
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

// Trusted code, so a sweep of /proc is enough: nothing there races us with forks on purpose.
// Orphans are init's to reap.
void cs_kill_driver_domain(const cs_student_domain *d) {
    int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(dir));) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 1 || pid == d->init || in_student_domain(pid)) continue;
        kill(pid, SIGKILL);
    }
    closedir(dir);
}
