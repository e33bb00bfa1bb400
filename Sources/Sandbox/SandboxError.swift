/// Why the sandbox could not do what was asked. Descriptions are written
/// for the instructor reading a log or a terminal, not for the programmer.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This machine cannot confine programs (no namespaces), and unconfined
    /// development mode was not requested.
    case confinementUnavailable(String)
    /// A limit in the policy is out of range.
    case invalidLimit(String)
    /// The cell could not be created or prepared.
    case cellSetupFailed(String)
    /// The program could not be started inside the cell (e.g. not found).
    case spawnFailed(String)
    /// The cell's init died or the cell was closed while a request was open.
    case cellUnavailable(String)
    /// Copying or writing files into the work dir failed.
    case fileTransferFailed(String)
    /// A socket could not be created inside the cell.
    case socketFailed(String)

    public var description: String {
        switch self {
        case .confinementUnavailable(let why):
            return "this machine cannot confine student programs (\(why)); grading refuses to run them "
                + "unconfined. On a development machine, opt in explicitly with unconfined development mode."
        case .invalidLimit(let why): return "invalid sandbox limit: \(why)"
        case .cellSetupFailed(let why): return "could not set up the sandbox cell: \(why)"
        case .spawnFailed(let why): return "could not start the program in the sandbox: \(why)"
        case .cellUnavailable(let why): return "the sandbox cell is no longer available: \(why)"
        case .fileTransferFailed(let why): return "could not place files in the sandbox work dir: \(why)"
        case .socketFailed(let why): return "could not create a socket inside the sandbox cell: \(why)"
        }
    }
}
