import Foundation

/// Names transactions, values and dependencies in the words the reports use.
struct TransactionWording: Sendable {
    let history: [Transaction]

    func label(_ i: Int) -> String {
        let txn = history[i]
        return "T\(i) (process \(txn.process): \(steps(txn.ops)))"
    }

    /// Short label, once a transaction has been introduced.
    func name(_ i: Int) -> String { "T\(i)" }

    func steps(_ ops: [MicroOp]) -> String {
        ops.map { op in
            switch op {
            case .read(let key, let result):
                switch result {
                case .register(let v)?: return "r \(key) \(value(v))"
                case .list(let l)?: return "r \(key) \(list(l))"
                case nil: return "r \(key) ?"
                }
            case .write(let key, let v): return "w \(key) \(v)"
            case .append(let key, let v): return "append \(key) \(v)"
            }
        }.joined(separator: ", ")
    }

    func value(_ v: Int?) -> String { v.map(String.init) ?? "nil" }

    func values(_ vs: [Int]) -> String { vs.map(String.init).joined(separator: ", ") }

    /// A list, with the middle of a long one elided so a sentence stays readable.
    func list(_ l: [Int]) -> String {
        if l.count <= 8 { return "[" + values(l) + "]" }
        return "[" + values(Array(l.prefix(3))) + ", … " + values(Array(l.suffix(3))) + "]"
    }

    func seconds(_ t: Double) -> String { String(format: "%.3f s", t) }

    /// One dependency as a clause: why `from` must come before `to`.
    func clause(_ d: Dependency) -> String {
        let a = name(d.from), b = name(d.to)
        switch d.reason {
        case .overwrote(let key, let earlier, let later):
            return "\(b) overwrote key \(key) = \(earlier), written by \(a), with \(later)"
        case .appendedAfter(let key, let earlier, let later):
            return "\(b) appended \(later) to key \(key) after \(a) appended \(earlier)"
        case .readRegister(let key, let v):
            return "\(b) read key \(key) = \(v), written by \(a)"
        case .readList(let key, let l):
            return "\(b) read key \(key) = \(list(l)), ending in \(a)'s append"
        case .missedRegister(let key, let read, let later):
            return "\(a) read key \(key) = \(value(read)) and so did not see \(b)'s write of \(later)"
        case .missedAppend(let key, let read, let next):
            return "\(a) read key \(key) = \(list(read)) and so did not see \(b)'s append of \(next), the next element"
        case .finishedBefore(let ended, let began):
            return "\(a) finished at \(seconds(ended)) before \(b) began at \(seconds(began))"
        }
    }

    /// A whole cycle: who is involved, each link, and what it means.
    func cycle(_ kind: AnomalyKind, _ edges: [Dependency]) -> String {
        let members = edges.map(\.from)
        let intro = members.map(label).joined(separator: "; ")
        let links = edges.map(clause).joined(separator: "; ")
        return "\(meaning(kind)) among \(intro). \(links.prefix(1).uppercased() + links.dropFirst()). " +
            "Each must come before the next, around the loop back to \(name(members[0])), " +
            "so no order of these transactions explains what they saw."
    }

    func meaning(_ kind: AnomalyKind) -> String {
        switch kind {
        case .g0: "Write cycle (G0)"
        case .g1c: "Circular information flow (G1c)"
        case .gSingle: "Read skew or lost update (G-single)"
        case .g2: "Anti-dependency cycle (G2)"
        case .g0Realtime: "Write cycle against real time (G0-realtime)"
        case .g1cRealtime: "Circular information flow against real time (G1c-realtime)"
        case .gSingleRealtime: "Stale read against real time (G-single-realtime)"
        case .g2Realtime: "Anti-dependency cycle against real time (G2-realtime)"
        default: kind.rawValue
        }
    }
}
