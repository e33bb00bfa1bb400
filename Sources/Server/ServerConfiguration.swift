import Foundation

/// What the server accepts, in one place; defaults suit a classroom of a few dozen people.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); the bound port is reported once listening.
    public var port: Int
    public var maxLineBytes: Int
    /// The largest SUBMIT payload (a JSON object of base64 files), in bytes.
    public var maxSubmissionBytes: Int
    /// A connection that sends nothing for this long is closed (a WATCH keeps it alive).
    public var idleTimeout: TimeAmount
    public var maxConnections: Int
    /// Several students behind one NAT share an address, so this is generous.
    public var maxConnectionsPerAddress: Int
    /// Bytes a connection's peer may leave untaken (written by the server, not yet accepted by
    /// its socket) before it is dropped as too slow; the kernel's socket buffers come on top.
    public var outboundBudget: Int
    /// The kernel send buffer of each connection; nil leaves it to the kernel (autotuned).
    public var sendBufferBytes: Int?
    /// How long a dropped connection has to take its last bytes before it is closed anyway.
    public var dropGrace: TimeAmount
    /// Failed HELLOs before the connection is closed.
    public var maxFailedLogins: Int
    /// Payload bytes all connections together may hold while their SUBMITs arrive; a SUBMIT
    /// that would go over gets `ERR 503` and its bytes are skipped, not buffered.
    public var maxBufferedPayloadBytes: Int
    /// Failed HELLOs one address may make (across connections) before each further failure
    /// locks the address out for a while.
    public var freeLoginFailures: Int
    /// The first lock-out; each further failure doubles it, up to `maxLoginPenalty`.
    public var loginPenalty: Double
    public var maxLoginPenalty: Double
    /// A connection whose writes have not drained for this long (its peer stopped reading) is
    /// closed.
    public var writeStallTimeout: TimeAmount
    /// On shutdown, how long clients get to take their goodbye before their connections are
    /// closed outright.
    public var shutdownGrace: TimeAmount

    public init(host: String = "127.0.0.1", port: Int = 7878, maxLineBytes: Int = 4096,
                maxSubmissionBytes: Int = 2 << 20, idleTimeout: TimeAmount = .seconds(600),
                maxConnections: Int = 4096, maxConnectionsPerAddress: Int = 256, outboundBudget: Int = 128 << 10,
                sendBufferBytes: Int? = nil, dropGrace: TimeAmount = .seconds(5),
                maxFailedLogins: Int = 5, maxBufferedPayloadBytes: Int = 64 << 20, freeLoginFailures: Int = 5,
                loginPenalty: Double = 1, maxLoginPenalty: Double = 300, writeStallTimeout: TimeAmount = .seconds(60),
                shutdownGrace: TimeAmount = .seconds(2)) {
        self.host = host
        self.port = port
        self.maxLineBytes = maxLineBytes
        self.maxSubmissionBytes = maxSubmissionBytes
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.outboundBudget = outboundBudget
        self.sendBufferBytes = sendBufferBytes
        self.dropGrace = dropGrace
        self.maxFailedLogins = maxFailedLogins
        self.maxBufferedPayloadBytes = maxBufferedPayloadBytes
        self.freeLoginFailures = freeLoginFailures
        self.loginPenalty = loginPenalty
        self.maxLoginPenalty = maxLoginPenalty
        self.writeStallTimeout = writeStallTimeout
        self.shutdownGrace = shutdownGrace
    }
}

import NIOCore
