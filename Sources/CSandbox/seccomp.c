// The seccomp filter every program of a cell runs under, in both domains.
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

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
int cs_install_seccomp(void) {
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
int cs_install_seccomp(void) { return 0; }
#endif
