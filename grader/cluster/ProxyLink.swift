import Faults
import Foundation
import PluginKit
import Sandbox

/// One link of the cluster proxy on its own, for `classroom bench cluster`: what a cluster's
/// driver adds to every message, measured against the same traffic sent direct.
public final class ProxyLink: Sendable {
    private let proxy: Proxy

    private init(proxy: Proxy) { self.proxy = proxy }

    /// Forwards connections made to `port` in `cell` to `target`, line by line (each line a
    /// message with its own fate on a perfect network) or as raw bytes.
    public static func open(in cell: Cell, port: Int, to target: Int, lines: Bool = true) async throws -> ProxyLink {
        let proxy = Proxy(framing: lines ? .lines : .raw, network: NetworkState(nodes: ["n0"]), seed: 1) { port in
            try await cell.connectingDescriptor(port: port)
        }
        let fd = try await cell.listeningDescriptor(port: port)
        proxy.submit(.listen(fd: fd, direction: .init(from: .client, to: .node("n0")), port: target))
        return ProxyLink(proxy: proxy)
    }

    /// Messages the link has forwarded so far.
    public var bytesForwarded: Int { proxy.snapshot.bytes }

    public func close() async { await proxy.stop() }
}
