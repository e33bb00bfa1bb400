import Foundation

/// CPU time of a PostgreSQL server running on this machine: every process named `postgres`
/// (the postmaster, its backends, the WAL writer…), read from /proc. A benchmark reads it before
/// and after a figure to say what the server's share of each operation cost, which shows where
/// the cores go when client and server share them. Nil when no such process is visible (the
/// server is on another machine).
enum LocalPostgresCPU {
    static func seconds() -> Double? {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: "/proc")
        } catch {
            return nil  // no /proc: nothing of a server can be seen from here
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        var found = false
        for entry in entries where entry.allSatisfy(\.isNumber) {
            let stat: String
            do {
                stat = try String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8)
            } catch {
                continue  // the process ended between the listing and the read: it no longer counts
            }
            guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                  stat[stat.index(after: open)..<close] == "postgres" else { continue }
            // After the command come the state, then 10 more fields, then utime and stime (clock ticks).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / ticks
            found = true
        }
        return found ? total : nil
    }
}
