/// Which side of a cell a process runs on.
///
/// A cell holds two domains that share only its network (loopback):
///
/// - `student`: the submission's programs. They see `/box`, `/tmp` and `/dev/shm`, run as
///   the cell's student uid, in a pid namespace of their own whose `/proc` shows only them.
/// - `driver`: trusted grading code an exercise or plugin ships (an external plugin, a test
///   runner). It runs as a uid of its own, in the cell's outer pid namespace, which the
///   student's programs cannot see into, so they can neither signal, trace, read the memory
///   of, nor take descriptors from it. Its files are under `Cell.driverDirectory`, read-only
///   to it and invisible to the student; it does not see the student's `/box`, and has a
///   `/tmp` of its own. It talks to the grader over descriptors it inherits.
///
/// Both get the same seccomp filter, no_new_privs, no capabilities and rlimits.
public enum ProcessDomain: String, Sendable, Codable {
    case student, driver
}
