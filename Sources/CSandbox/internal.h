// Declarations shared by the launcher's files (not part of the Swift-facing csandbox.h).
//
// The launcher is split by concern:
//   channel.c    framing on the control channel, small I/O helpers
//   rootfs.c     the cell's file system: the root, /box, /driver, /proc, the domains' views
//   seccomp.c    the system call filter every program runs under
//   spawn.c      the child between clone and execve
//   domains.c    the student domain's pid, mount and ipc namespaces; the driver domain's sweep
//   supervise.c  the cell's init: runs, limits, captures, the control channel
//   launch.c     the exec'd helper (zygote), the intermediate, cs_cell_open and friends
#ifndef CSANDBOX_INTERNAL_H
#define CSANDBOX_INTERNAL_H

#include "csandbox.h"

#include <stdarg.h>
#include <sys/types.h>

// Every process of the launcher keeps its channel at this descriptor.
#define CTL_FD 3
// The new root is assembled on a tmpfs mounted over this directory in the cell's mount
// namespace, so nothing is ever created on the host.
#define NEWROOT "/tmp"
// Driver uids sit above every possible pid (pid_max is at most 2^22), so they never meet a
// student uid (base + pid).
#define CS_DRIVER_UID_OFFSET (1u << 23)

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// channel.c
int cs_write_all(int fd, const void *buf, size_t len);
int cs_read_all(int fd, void *buf, size_t len);
void cs_set_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// rootfs.c
/// Builds the cell's root and pivots into it; `*driver_fd` gets the writable mount of the
/// driver domain's files (the cell sees it read-only at /driver).
int cs_build_root(const cs_cell_config *cfg, uid_t uid, gid_t gid, gid_t driver_gid, int *driver_fd, char *err,
                  size_t errlen);
int cs_bring_up_loopback(char *err, size_t errlen);
/// Turns init's own mount namespace into the driver domain's view (run after the student
/// domain's view was copied from it).
int cs_hide_student_files(char *err, size_t errlen);

// seccomp.c
int cs_install_seccomp(void);

// spawn.c
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
} cs_child_plan;

/// What the child writes to its failure pipe when a step before execve fails.
typedef struct {
    int32_t error;
    char stage[120];
} cs_child_failure;

/// Starts the child sharing init's memory until it execs (a vfork-style clone).
pid_t cs_spawn_child(cs_child_plan *plan);

// domains.c
typedef struct {
    int pidns, mntns, ipcns; // the student domain's namespaces
    int cell_pidns;          // init's own pid namespace, to return to after a clone
    int ctl;                 // channel to the student domain's init
    pid_t init;              // its pid in the cell's namespace
} cs_student_domain;

enum { CS_STUDENT_END = 'E', CS_STUDENT_READY = 'R' };

int cs_student_domain_start(cs_student_domain *d, int hidepid, char *err, size_t errlen);
/// Asks the student domain's init to kill everything in it and reap it all (CS_STUDENT_END);
/// returns once it has. Call once the runs' main processes are reaped, so that everything
/// left is that init's children or their descendants.
int cs_student_domain_request(const cs_student_domain *d, char cmd);
/// Whether the student domain's init has children (orphans of the student's programs).
int cs_student_domain_has_children(const cs_student_domain *d);
/// Kills every process of the cell's namespace that is neither init, nor in the student domain.
void cs_kill_driver_domain(const cs_student_domain *d);

// supervise.c
void cs_init_main(const cs_cell_config *cfg) __attribute__((noreturn));

#endif
