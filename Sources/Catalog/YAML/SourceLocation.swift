/// A place in a catalog file, as an instructor's editor shows it (1-based line and column).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as the instructor named it (relative to the catalog root where possible).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a catalog file.
///
/// Printed as `file:line:column: field.path: message`, the shape compilers use, so editors
/// and terminals can jump straight to it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var location: SourceLocation
    /// Where in the document the problem sits, e.g. `scenarios[1].points`; empty for the whole file.
    public var fieldPath: String
    public var message: String

    public init(location: SourceLocation, fieldPath: String, message: String) {
        self.location = location
        self.fieldPath = fieldPath
        self.message = message
    }

    public var description: String {
        fieldPath.isEmpty ? "\(location): \(message)" : "\(location): \(fieldPath): \(message)"
    }

    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        (lhs.location.file, lhs.location.line, lhs.location.column, lhs.fieldPath)
            < (rhs.location.file, rhs.location.line, rhs.location.column, rhs.fieldPath)
    }
}

/// Collects problems so that validation can report every one of them at once.
public final class DiagnosticLog: @unchecked Sendable {
    // Only ever used from the single thread that parses one catalog; the class exists so
    // nested readers can share one log without threading `inout` through every call.
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public func report(_ message: String, at location: SourceLocation, field: String) {
        diagnostics.append(Diagnostic(location: location, fieldPath: field, message: message))
    }

    public func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    public var isEmpty: Bool { diagnostics.isEmpty }
}
