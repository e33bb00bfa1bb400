import Foundation

/// Failed HELLOs counted per client address across all its connections.
///
/// Closing a connection after a few wrong tokens alone lets a client reconnect and go on
/// guessing thousands of times a second. Here each address gets `free` failures; every
/// failure after that locks the address out for a time that doubles with each further
/// failure (up to `maximum`), during which its HELLOs are refused without checking the token.
/// An address that stays quiet for `forgetAfter` starts afresh.
public final class LoginThrottle: Sendable {
    public let free: Int
    public let penalty: Double
    public let maximum: Double
    public let forgetAfter: Double
    // The lock guards `entries`.
    private let table = ThrottleTable()

    public init(free: Int, penalty: Double, maximum: Double, forgetAfter: Double = 900) {
        self.free = max(0, free)
        self.penalty = max(0, penalty)
        self.maximum = max(penalty, maximum)
        self.forgetAfter = forgetAfter
    }

    /// Seconds `address` must still wait before a HELLO is checked, or nil if it may try now.
    public func lockedOut(_ address: String, now: Date = Date()) -> Double? {
        table.withEntry(address, now: now, forgetAfter: forgetAfter) { entry in
            guard let until = entry.lockedUntil, until > now else { return nil }
            return until.timeIntervalSince(now)
        }
    }

    /// Records a failed HELLO; returns the lock-out it earned (nil while failures are free).
    @discardableResult
    public func failed(_ address: String, now: Date = Date()) -> Double? {
        table.withEntry(address, now: now, forgetAfter: forgetAfter) { entry in
            entry.failures += 1
            entry.lastFailure = now
            let over = entry.failures - free
            guard over > 0 else { return nil }
            let wait = min(maximum, penalty * pow(2, Double(min(over - 1, 30))))
            entry.lockedUntil = now.addingTimeInterval(wait)
            return wait
        }
    }
}

/// The throttle's state, behind its lock.
final class ThrottleTable: @unchecked Sendable {
    struct Entry {
        var failures = 0
        var lastFailure = Date.distantPast
        var lockedUntil: Date?
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    func withEntry<T>(_ address: String, now: Date, forgetAfter: Double, _ body: (inout Entry) -> T) -> T {
        lock.withLock {
            // Forget quiet addresses now and then, so a scan of many addresses cannot grow this forever.
            if entries.count > 10_000 {
                entries = entries.filter { now.timeIntervalSince($0.value.lastFailure) < forgetAfter }
            }
            var entry = entries[address] ?? Entry()
            if now.timeIntervalSince(entry.lastFailure) >= forgetAfter, entry.lockedUntil.map({ $0 <= now }) ?? true { entry = Entry() }
            let result = body(&entry)
            entries[address] = entry.failures == 0 ? nil : entry
            return result
        }
    }
}
