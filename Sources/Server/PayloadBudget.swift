import Foundation

/// The payload bytes every connection together may hold while SUBMITs arrive.
///
/// A client announces a size and then sends its bytes, slowly if it likes; each connection's
/// limit alone would let a thousand such clients hold gigabytes. The budget is reserved when
/// the SUBMIT line arrives, before any byte of its payload is kept, and released when the
/// payload has been handled or the connection went away.
public final class PayloadBudget: Sendable {
    public let limit: Int
    // The lock guards `used`.
    private let state: LockedCounter

    public init(limit: Int) {
        self.limit = limit
        state = LockedCounter()
    }

    /// Bytes reserved right now.
    public var used: Int { state.value }

    /// Reserves `bytes`, or nil if that would go over the limit.
    public func reserve(_ bytes: Int) -> PayloadReservation? {
        guard state.add(bytes, ifAtMost: limit) else { return nil }
        return PayloadReservation(budget: self, bytes: bytes)
    }

    fileprivate func release(_ bytes: Int) { state.subtract(bytes) }
}

/// Bytes held against a ``PayloadBudget``, given back exactly once: when released, or when the
/// last reference goes (a connection closed mid-payload drops its decoder, and with it this).
public final class PayloadReservation: Sendable, Equatable {
    private let budget: PayloadBudget
    public let bytes: Int
    // The lock guards `released`.
    private let released = LockedFlag()

    fileprivate init(budget: PayloadBudget, bytes: Int) {
        self.budget = budget
        self.bytes = bytes
    }

    public func release() {
        if released.setOnce() { budget.release(bytes) }
    }

    deinit { release() }

    public static func == (a: PayloadReservation, b: PayloadReservation) -> Bool { a === b }
}

/// An integer behind a lock.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func add(_ amount: Int, ifAtMost limit: Int) -> Bool {
        lock.withLock {
            guard count + amount <= limit else { return false }
            count += amount
            return true
        }
    }

    func subtract(_ amount: Int) { lock.withLock { count -= amount } }
}

/// A flag behind a lock that is set once.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    var value: Bool { lock.withLock { set } }

    /// Sets the flag; true only for the call that set it.
    func setOnce() -> Bool {
        lock.withLock {
            defer { set = true }
            return !set
        }
    }
}
