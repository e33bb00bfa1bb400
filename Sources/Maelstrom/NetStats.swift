import Foundation

/// Message counts for one class of link, as Maelstrom's `:net` reports them.
public struct LinkCounts: Sendable, Codable, Hashable {
    /// Messages sent (dropped ones included).
    public var sendCount = 0
    /// Messages delivered.
    public var recvCount = 0
    /// Distinct messages (a duplicated delivery counts once).
    public var msgCount = 0
    /// `msgCount` per client operation (nil for client links, as in Maelstrom).
    public var msgsPerOp: Double?
}

/// Counts for all messages, those with a client at one end, and those between servers
/// (nodes and services).
public struct NetStats: Sendable, Codable, Hashable {
    public var all = LinkCounts()
    public var clients = LinkCounts()
    public var servers = LinkCounts()

    mutating func sent(clientLink: Bool) {
        all.sendCount += 1
        all.msgCount += 1
        if clientLink { clients.sendCount += 1; clients.msgCount += 1 } else { servers.sendCount += 1; servers.msgCount += 1 }
    }

    mutating func received(clientLink: Bool) {
        all.recvCount += 1
        if clientLink { clients.recvCount += 1 } else { servers.recvCount += 1 }
    }

    mutating func finish(operations: Int) {
        guard operations > 0 else { return }
        all.msgsPerOp = Double(all.msgCount) / Double(operations)
        servers.msgsPerOp = Double(servers.msgCount) / Double(operations)
    }
}

/// A fault starting or ending, for the report.
public struct FaultEvent: Sendable, Codable, Hashable {
    public var time: Double
    public var started: Bool
    public var description: String
}
