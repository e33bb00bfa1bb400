/// The isolation levels a transactional history is checked against, weakest first.
///
/// Each model names the anomalies it forbids (Adya's formalisation, as Elle uses it). A
/// stronger model forbids everything a weaker one does.
public enum ConsistencyModel: String, Sendable, Hashable, Codable, CaseIterable {
    case readUncommitted = "read-uncommitted"
    case readCommitted = "read-committed"
    case serializable
    case strictSerializable = "strict-serializable"

    /// The anomalies this model rules out.
    public var forbids: Set<AnomalyKind> {
        // Garbage (reads nobody could have produced, lists that no single order explains,
        // a transaction not seeing its own writes) is wrong under every model.
        let always: Set<AnomalyKind> = [.garbageRead, .duplicateElements, .incompatibleOrder, .internalInconsistency]
        switch self {
        case .readUncommitted:
            return always.union([.g0])
        case .readCommitted:
            return always.union([.g0, .g1a, .g1b, .g1c])
        case .serializable:
            return always.union([.g0, .g1a, .g1b, .g1c, .gSingle, .g2])
        case .strictSerializable:
            return always.union([.g0, .g1a, .g1b, .g1c, .gSingle, .g2,
                                 .g0Realtime, .g1cRealtime, .gSingleRealtime, .g2Realtime])
        }
    }
}
