import Foundation
import PluginKit
import Sandbox

/// Whether a submission fits the work dir its scenarios run in. One that does not is the
/// student's doing (thousands of files, a huge data file) and gets a verdict that says so,
/// never a sandbox failure reported as a grader error.
enum SubmissionFit {
    /// Inodes left for what the program creates at run time (`__pycache__`, its own files).
    static let spareInodes: UInt64 = 16

    static func problem(_ files: [String: Data], limits: Limits) -> String? {
        let bytes = files.values.reduce(UInt64(0)) { $0 + UInt64($1.count) }
        var directories = Set<Substring>()
        for path in files.keys {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                directories.insert(parts.joined(separator: "/")[...])
                parts = parts.dropLast()
            }
        }
        let inodes = UInt64(files.count + directories.count)
        let roomForFiles = limits.diskInodes > spareInodes ? limits.diskInodes - spareInodes : 0
        if inodes > roomForFiles || bytes > limits.diskBytes {
            return "your submission holds \(files.count) file\(files.count == 1 ? "" : "s") (\(ByteSize.format(bytes))) but the work dir"
                + " it runs in holds at most \(roomForFiles) files and \(ByteSize.format(limits.diskBytes)): submit only your program's files"
        }
        return nil
    }
}
