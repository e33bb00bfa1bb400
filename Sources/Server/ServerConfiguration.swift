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
    /// Events a watcher may fall behind before it is dropped.
    public var watchBuffer: Int
    /// Failed HELLOs before the connection is closed.
    public var maxFailedLogins: Int

    public init(host: String = "127.0.0.1", port: Int = 7878, maxLineBytes: Int = 4096,
                maxSubmissionBytes: Int = 2 << 20, idleTimeout: TimeAmount = .seconds(600),
                maxConnections: Int = 4096, maxConnectionsPerAddress: Int = 256, watchBuffer: Int = 256,
                maxFailedLogins: Int = 5) {
        self.host = host
        self.port = port
        self.maxLineBytes = maxLineBytes
        self.maxSubmissionBytes = maxSubmissionBytes
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.watchBuffer = watchBuffer
        self.maxFailedLogins = maxFailedLogins
    }
}

import NIOCore
