// The C half of the sandbox: everything that must happen between fork and
// exec (or inside the cell's init) lives here, so no Swift runtime code ever
// runs in a half-initialised child. Policy (which limits, which paths) is
// decided by the Swift `Sandbox` module and arrives here as plain numbers.
#ifndef CSANDBOX_H
#define CSANDBOX_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Message types on the control channel (a SOCK_STREAM unix socketpair).
enum {
    CS_MSG_READY = 1,        // init -> grader: setup done; fds: [work dir]
    CS_MSG_SETUP_ERROR = 2,  // init -> grader: payload is a message
    CS_MSG_SPAWN = 3,        // grader -> init: cs_spawn_request + strings
    CS_MSG_SPAWNED = 4,      // init -> grader: cs_spawned_reply (+ message)
    CS_MSG_EXITED = 5,       // init -> grader: cs_exit_report + captures
    CS_MSG_SOCKET = 6,       // grader -> init: cs_socket_request
    CS_MSG_SOCKET_REPLY = 7, // init -> grader: int32 errno; fds: [socket]
    CS_MSG_SIGNAL = 8,       // grader -> init: int32 signal for spawn `id`
};

/// Cgroup directory kinds passed alongside a spawn request.
enum {
    CS_CGROUP_V2 = 1,
    CS_CGROUP_V1_MEMORY = 2,
    CS_CGROUP_V1_PIDS = 3,
    CS_CGROUP_V1_CPUACCT = 4,
};

/// Why the supervisor killed a process (bit set).
enum {
    CS_REASON_WALL = 1,
    CS_REASON_CPU = 2,
    CS_REASON_OUTPUT = 4,
    CS_REASON_REQUESTED = 8,
};

/// Which of a cell's two domains a spawned process belongs to (see Sandbox/README.md).
enum {
    CS_DOMAIN_STUDENT = 0, // the submission: /box, a child pid namespace of its own
    CS_DOMAIN_DRIVER = 1,  // trusted grading code: /driver, invisible to the student
};

#define CS_MAX_FDS 16
#define CS_MAX_CGROUPS 4

typedef struct {
    uint32_t type;
    uint32_t id;
    uint32_t length;
    uint32_t nfds;
} cs_frame_header;

typedef struct {
    int32_t confined;        // 0: unconfined development mode
    int32_t use_userns;      // 1 when not root: map outer uid to inner_uid
    uint32_t outer_uid, outer_gid;
    uint32_t userns_inner_id; // uid/gid inside the user namespace
    uint32_t root_uid_base;  // root mode: cell uid = base + host pid of init
    uint64_t disk_bytes, disk_inodes;
    const char *readonly_paths; // NUL-separated, terminated by an empty string
    const char *workdir;        // unconfined mode: host work dir
    const char *hostname;
    // The cell's cgroups (O_PATH directory fds): the intermediate joins them
    // before creating init, so every process of the cell is born inside and
    // no run ever pays for a cgroup migration (an RCU grace period on v1).
    int32_t ncgroups;
    int32_t cgroup_fds[CS_MAX_CGROUPS];
    int32_t cgroup_kinds[CS_MAX_CGROUPS];
    // 0 when the creating process is already inside them (a zygote).
    int32_t join_cgroups;
} cs_cell_config;

typedef struct {
    int32_t control_fd;
    int32_t init_pid;  // host pid of the cell's init
    int32_t box_fd;    // O_DIRECTORY fd of the work dir
    uint32_t uid, gid; // identity the cell's processes run as
    int32_t driver_fd;               // O_DIRECTORY fd of the driver domain's files (writable)
    uint32_t driver_uid, driver_gid; // identity of the driver domain's processes
} cs_cell_handle;

typedef struct {
    uint64_t wall_ns, cpu_ns, output_limit;
    uint64_t capture_head, capture_tail;
    uint64_t rlimit_as, rlimit_nofile, rlimit_fsize, rlimit_nproc, rlimit_cpu_s;
    int32_t has_stdin_fd;
    // 1: the frame carries (after any stdin fd) a pipe that receives a live copy of stdout,
    // so a driver can wait for a line such as "ready" while the program runs.
    int32_t has_stdout_tee_fd;
    uint32_t argc, envc;
    int32_t domain; // CS_DOMAIN_STUDENT or CS_DOMAIN_DRIVER
    // Descriptors the frame carries after stdin and the stdout copy; they become
    // fds 3, 4, … of the new process, in order.
    uint32_t npass;
    // followed by: cwd\0 argv[0]\0 ... envp[0]\0 ...
} cs_spawn_request;

typedef struct {
    int32_t error; // errno of the failed step, 0 on success
    int32_t pid;   // pid inside the cell
    // followed by a message on failure
} cs_spawned_reply;

typedef struct {
    int32_t pid, status;
    uint32_t reason;
    uint32_t cgroup_cpu_valid;
    uint64_t start_ns, end_ns;
    uint64_t utime_us, stime_us, maxrss_kb;
    uint64_t cgroup_cpu_ns; // the cell's CPU time used while this run lived
    uint64_t stdout_total, stderr_total;
    uint32_t stdout_head_len, stdout_tail_len, stderr_head_len, stderr_tail_len;
    // followed by the four captures in that order
} cs_exit_report;

typedef struct {
    int32_t domain, type, protocol;
} cs_socket_request;

/// Creates a cell: namespaces, file system, loopback, and its init process.
/// Blocks until init reports ready. Returns 0, or -1 with `err` filled.
int cs_cell_open(const cs_cell_config *cfg, cs_cell_handle *out, char *err, size_t errlen);

/// Starts a zygote: a process that joins the given cgroups once and then
/// forks cells on request, so every cell it makes is born inside them and
/// no cell creation migrates a process between cgroups (on cgroup v1 each
/// migration stalls every fork on the machine for an RCU grace period).
/// Returns 0 with the request socket and pid, or -1 with `err` filled.
int cs_zygote_start(const int *cgroup_fds, int ncgroups, int *zygote_fd, int *zygote_pid, char *err,
                    size_t errlen);

/// Creates a cell through a zygote (the config's cgroup fds are ignored:
/// the cell uses the zygote's). Same contract as cs_cell_open.
int cs_zygote_open(int zygote_fd, const cs_cell_config *cfg, cs_cell_handle *out, char *err, size_t errlen);

/// Waits until process `pid` has exited: with waitpid when it is our child,
/// else with a pidfd (a cell made by a zygote is the zygote's child). For a
/// cell's init, exit means its whole pid namespace is gone.
void cs_wait_exit(int pid, int is_child);

/// Sends one frame, with optional file descriptors. Returns 0 or -errno.
int cs_send_frame(int fd, uint32_t type, uint32_t id, const void *payload, uint32_t length,
                  const int *fds, uint32_t nfds);

/// Receives one frame. `*payload` is malloc'ed (free with cs_free) and
/// received descriptors land in `fds` (up to CS_MAX_FDS). Returns 0, -errno,
/// or -EPIPE at end of stream.
int cs_recv_frame(int fd, cs_frame_header *header, void **payload, int *fds);

void cs_free(void *p);

/// Copies a host directory tree (regular files and directories only) into
/// `dst_dirfd`, chowning to uid/gid when `chown_it` is set. Returns 0 or -1.
int cs_copy_tree(const char *src, int dst_dirfd, uint32_t uid, uint32_t gid, int chown_it,
                 char *err, size_t errlen);

/// Writes `data` to `relpath` beneath `dirfd`, refusing to follow symlinks
/// or leave the directory. Creates intermediate directories. Returns 0 or -1.
int cs_write_file(int dirfd, const char *relpath, const void *data, size_t length, uint32_t uid,
                  uint32_t gid, int chown_it, char *err, size_t errlen);

/// Monotonic clock in nanoseconds (the same clock the init uses).
uint64_t cs_monotonic_ns(void);

/// Runs `argv` unconfined with stdout/stderr to /dev/null and returns the wall
/// time in nanoseconds, or 0 on failure. Used by the benchmark as baseline.
uint64_t cs_run_plain(const char *path, char *const argv[], char *const envp[], int *status);

/// A memory file holding `data`, positioned at offset 0, used as
/// a run's stdin so the grader never blocks writing into a pipe. -1 on error.
int cs_memfd_with(const void *data, size_t length);

#ifdef __cplusplus
}
#endif
#endif
