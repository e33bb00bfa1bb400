import Glibc

/// Reads a `/proc` or `/sys` file to its end.
///
/// The kernel hands out `/proc` tables (`net/tcp`, `task/*/children`, …) a page at a time, and
/// every page is a short read; Foundation's `String(contentsOfFile:)` takes the first short read
/// for the end of the file. A cluster's 26 driver listeners fill `/proc/net/tcp`'s first page,
/// so the nodes' own listeners, on the second, were never seen: "did not listen within 20s"
/// for nodes that listened at once. Only a read that returns 0 ends the file here.
public enum KernelFile {
    /// The whole file as text; nil when it cannot be opened (the process is gone).
    public static func text(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
