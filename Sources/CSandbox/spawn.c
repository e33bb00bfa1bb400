// The child of a run, between clone and execve: stdio, passed descriptors, the student
// domain's namespaces, rlimits, no_new_privs, credentials, capabilities, seccomp, exec. It
// shares init's memory (CLONE_VM) until it execs, so it only touches its own stack.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void __attribute__((noreturn)) child_fail(int fd, const char *stage) {
    cs_child_failure f;
    memset(&f, 0, sizeof f);
    f.error = errno;
    snprintf(f.stage, sizeof f.stage, "%s", stage);
    cs_write_all(fd, &f, sizeof f);
    _exit(127);
}

static void set_limit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit rl = {(rlim_t)soft, (rlim_t)hard};
    setrlimit(resource, &rl);
}

static int child_main(void *arg) {
    const cs_child_plan *c = arg;
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
    if (c->confined && cs_install_seccomp() < 0) child_fail(failfd, "installing the seccomp filter");

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

// A plain fork would copy init's page tables on every run; a vfork-style clone shares them
// until exec.
pid_t cs_spawn_child(cs_child_plan *plan) {
    static char *stack;
    const size_t size = 256 * 1024;
    if (!stack) stack = malloc(size);
    if (!stack) return -1;
    return clone(child_main, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, plan);
}
