/// One end of a link: a node, or a client of the driver's.
public enum Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    case node(String)
    case client

    public var description: String {
        switch self {
        case let .node(id): return id
        case .client: return "a client"
        }
    }
}

/// The network as faults have left it: how links behave and which nodes are cut apart.
public struct NetworkState: Sendable, Hashable, Codable {
    /// How links between nodes behave.
    public var nodeLinks: LinkBehaviour
    /// How links between a client and a node behave.
    public var clientLinks: LinkBehaviour
    /// Who reaches whom among the nodes (clients always reach every node).
    public var partition: Partition

    public init(nodes: [String], nodeLinks: LinkBehaviour = .perfect, clientLinks: LinkBehaviour = .perfect) {
        self.nodeLinks = nodeLinks
        self.clientLinks = clientLinks
        partition = .whole(nodes)
    }

    /// How a message from `source` to `destination` is treated; nil when a partition cuts it.
    public func behaviour(from source: Endpoint, to destination: Endpoint) -> LinkBehaviour? {
        switch (source, destination) {
        case let (.node(a), .node(b)): return partition.connects(a, b) ? nodeLinks : nil
        default: return clientLinks
        }
    }

    /// Applies the faults that concern the network (partitions, heals, link behaviours);
    /// the others (kill, restart, pause, resume) concern processes and change nothing here.
    public mutating func apply(_ fault: ResolvedFault) {
        switch fault {
        case let .partition(new): partition = new
        case .heal: partition = .whole(partition.nodes)
        case let .network(behaviour): nodeLinks = behaviour
        case let .clientNetwork(behaviour): clientLinks = behaviour
        case .kill, .restart, .pause, .resume: break
        }
    }
}
